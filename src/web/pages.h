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

/* page_spaces.c */
void page_spaces_list(struct web_ctx *ctx);
void page_spaces_create(struct web_ctx *ctx);
void page_spaces_edit(struct web_ctx *ctx);
void page_spaces_rename(struct web_ctx *ctx);
void page_spaces_delete(struct web_ctx *ctx);

/* page_offerings.c */
void page_offerings_list(struct web_ctx *ctx);
void page_offerings_new(struct web_ctx *ctx);
void page_offerings_create(struct web_ctx *ctx);
void page_offerings_edit(struct web_ctx *ctx);
void page_offerings_update(struct web_ctx *ctx);
void page_offerings_delete(struct web_ctx *ctx);

#endif
