/*
 * routes.c: every address of the operator application and who may use it. The stable paths
 * are listed in DESIGN.md; a route added here is a page of its own file in web/.
 */
#include "web/pages.h"

const struct web_route web_routes[] = {
	{ "GET", "/", page_home, WEB_OPERATOR },
	{ "GET", "/login", page_login_form, WEB_PUBLIC },
	{ "POST", "/login", page_login_submit, WEB_PUBLIC },
	{ "POST", "/logout", page_logout, WEB_OPERATOR },
	{ NULL, NULL, NULL, WEB_PUBLIC },
};
