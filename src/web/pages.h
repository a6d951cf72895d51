/*
 * pages.h: the page handlers, one source file per page (web/page_*.c), listed in web/routes.c.
 */
#ifndef PILOTOMAIL_PAGES_H
#define PILOTOMAIL_PAGES_H

#include "web/web.h"

/* page_login.c */
void page_login_form(struct web_ctx *ctx);
void page_login_submit(struct web_ctx *ctx);
void page_logout(struct web_ctx *ctx);
void page_home(struct web_ctx *ctx);

#endif
