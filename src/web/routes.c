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
	{ "GET", "/spaces", page_spaces_list, WEB_OPERATOR },
	{ "POST", "/spaces", page_spaces_create, WEB_OPERATOR },
	{ "GET", "/spaces/*/edit", page_spaces_edit, WEB_OPERATOR },
	{ "POST", "/spaces/*", page_spaces_rename, WEB_OPERATOR },
	{ "POST", "/spaces/*/delete", page_spaces_delete, WEB_OPERATOR },
	{ "GET", "/offerings", page_offerings_list, WEB_OPERATOR },
	{ "POST", "/offerings", page_offerings_create, WEB_OPERATOR },
	{ "GET", "/offerings/new", page_offerings_new, WEB_OPERATOR },
	{ "GET", "/offerings/*/edit", page_offerings_edit, WEB_OPERATOR },
	{ "POST", "/offerings/*", page_offerings_update, WEB_OPERATOR },
	{ "POST", "/offerings/*/delete", page_offerings_delete, WEB_OPERATOR },
	{ NULL, NULL, NULL, WEB_PUBLIC },
};
