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
	{ "GET", "/mail", page_mail_list, WEB_OPERATOR },
	{ "POST", "/mail", page_mail_create, WEB_OPERATOR },
	{ "GET", "/mail/new", page_mail_new, WEB_OPERATOR },
	{ "GET", "/mail/*", page_mail_item, WEB_OPERATOR },
	{ "POST", "/mail/*/assign", page_mail_assign, WEB_OPERATOR },
	{ "POST", "/mail/*/actions", page_mail_action_record, WEB_OPERATOR },
	{ "POST", "/mail/*/actions/*/complete", page_mail_action_complete, WEB_OPERATOR },
	{ "POST", "/mail/*/actions/*/cancel", page_mail_action_cancel, WEB_OPERATOR },
	{ "GET", "/charges", page_charges_list, WEB_OPERATOR },
	{ "POST", "/charges/bill-earlier", page_charges_bill_earlier, WEB_OPERATOR },
	{ "POST", "/charges/*/retry", page_charges_retry, WEB_OPERATOR },
	{ "GET", "/my/mail", page_renter_mail, WEB_RENTER },
	{ "POST", "/my/mail/*/request", page_renter_mail_request, WEB_RENTER },
	{ "GET", "/settings/integrations", page_integrations, WEB_OPERATOR },
	{ "POST", "/settings/integrations/stripe", page_integrations_stripe, WEB_OPERATOR },
	{ "GET", "/settings/integrations/officernd", page_officernd_form, WEB_OPERATOR },
	{ "POST", "/settings/integrations/officernd", page_officernd_save, WEB_OPERATOR },
	{ "POST", "/settings/integrations/officernd/test", page_officernd_test, WEB_OPERATOR },
	{ "POST", "/settings/integrations/officernd/webhook-token", page_officernd_webhook_token, WEB_OPERATOR },
	{ NULL, NULL, NULL, WEB_PUBLIC },
};
