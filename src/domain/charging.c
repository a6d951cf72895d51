/* charging.c: see charging.h. */
#include "domain/charging.h"
#include "domain/pricing.h"
#include "store/charges.h"
#include "store/db.h"
#include "store/mail.h"
#include "store/offerings.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/money.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct action_info {
	const char *name;   /* scan */
	const char *label;  /* Scan */
	const char *noun;   /* scanning: in "Scanning is not included in ..." */
	const char *button; /* "Record scan": the operator's button */
	const char *status; /* the item status once done */
	int leaves_storage;
};

static const struct action_info action_infos[] = {
	{ "scan", "Scan", "scanning", "Record scan", "scanned", 0 },
	{ "forward", "Forwarding", "forwarding", "Record forwarding", "forwarded", 1 },
	{ "shred", "Shredding", "shredding", "Record shredding", "shredded", 1 },
	{ "recycle", "Recycling", "recycling", "Record recycling", "recycled", 1 },
	{ "pickup", "Pickup", "pickup", "Record pickup", "picked_up", 1 },
};

static const struct action_info *action_info_find(const char *action)
{
	for (size_t i = 0; i < ARRAY_SIZE(action_infos); i++)
		if (str_eq(action, action_infos[i].name))
			return &action_infos[i];
	return NULL;
}

const char *charging_action_label(const char *action)
{
	const struct action_info *ai = action_info_find(action);
	return ai ? ai->label : "";
}

const char *charging_action_noun(const char *action)
{
	const struct action_info *ai = action_info_find(action);
	return ai ? ai->noun : "";
}

const char *charging_action_button(const char *action)
{
	const struct action_info *ai = action_info_find(action);
	return ai ? ai->button : "";
}

const char *charging_action_status(const char *action)
{
	const struct action_info *ai = action_info_find(action);
	return ai ? ai->status : NULL;
}

static enum charging_status say(struct charging_result *out, enum charging_status status, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* Sets out->message and returns status, so refusals read as one line. */
static enum charging_status say(struct charging_result *out, enum charging_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	return status;
}

/* "scanned", "picked_up" as words for a sentence. */
static const char *status_words(const char *status)
{
	return str_eq(status, "picked_up") ? "picked up" : status;
}

/*
 * Whether action may be asked for (renter) or done (operator) on the item now. Loads the
 * mailbox's offering into off. CHARGING_OK, or a refusal with out->message set.
 */
static enum charging_status action_allowed(struct db *db, int64_t operator_id, const struct mail_item *it,
					   const struct action_info *ai, int for_renter, struct offering *off,
					   struct charging_result *out)
{
	if (!it->mailbox_id)
		return say(out, CHARGING_CONFLICT, "Item %s is not assigned to a mailbox yet: assign it first.",
			   it->reference);
	if (str_eq(it->mailbox_status, "cancelled"))
		return say(out, CHARGING_CONFLICT,
			   "Mailbox %s is cancelled: no actions can be asked for or done on its mail.", it->pmb);
	if (for_renter && !str_eq(it->mailbox_status, "active"))
		return say(out, CHARGING_CONFLICT,
			   "Your mailbox %s is on hold: actions cannot be asked for until it is active again.",
			   it->pmb);
	if (mail_status_left_storage(it->status))
		return say(out, CHARGING_CONFLICT, "Item %s was already %s on %s: it is no longer in storage.",
			   it->reference, status_words(it->status), it->left_on);
	if (str_eq(ai->name, "scan") && str_eq(it->status, "scanned"))
		return say(out, CHARGING_CONFLICT, "Item %s was already scanned.", it->reference);
	if (offering_get(db, operator_id, it->offering_id, off) < 0)
		return say(out, CHARGING_ERROR, "The mailbox's offering could not be loaded. Please try again.");
	int idx = mail_action_parse(ai->name);
	if (idx < 0 || idx >= ACTION_COUNT)
		return say(out, CHARGING_INVALID, "Choose an action: scan, forward, shred, recycle or pickup.");
	if (!off->actions[idx].enabled) {
		if (for_renter)
			return say(out, CHARGING_INVALID, "%c%s is not included in your plan.",
				   ai->noun[0] - 'a' + 'A', ai->noun + 1);
		return say(out, CHARGING_INVALID,
			   "%c%s is not enabled in the offering \xe2\x80\x9c%s\xe2\x80\x9d of mailbox %s. "
			   "Enable it in Offerings first.",
			   ai->noun[0] - 'a' + 'A', ai->noun + 1, off->name, it->pmb);
	}
	return CHARGING_OK;
}

/* "Scan of letter M-000123 from ACME Bank (received 2026-11-20)" and forwarding details (free()). */
static char *charge_description(const struct action_info *ai, const struct mail_item *it,
				const struct forward_details *fwd, int64_t postage, int digits)
{
	struct strbuf sb = { 0 };
	strbuf_addf(&sb, "%s of %s %s", ai->label, it->kind, it->reference);
	if (it->sender[0])
		strbuf_addf(&sb, " from %s", it->sender);
	strbuf_addf(&sb, " (received %s)", it->received_on);
	if (str_eq(ai->name, "forward")) {
		if (fwd && fwd->carrier && fwd->carrier[0])
			strbuf_addf(&sb, " via %s", fwd->carrier);
		if (fwd && fwd->tracking && fwd->tracking[0])
			strbuf_addf(&sb, ", tracking %s", fwd->tracking);
		if (postage > 0) {
			char buf[32];
			strbuf_addf(&sb, ", postage %s included", money_format(postage, digits, buf, sizeof(buf)));
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* Writes the charge of a completed action; fills out. Inside the caller's transaction. */
static enum charging_status charge_write(struct db *db, int64_t operator_id, const struct mail_item *it,
					 const struct action_info *ai, int64_t request_id, int64_t amount,
					 const char *today, char *description, int64_t now, struct charging_result *out)
{
	struct operator op = { 0 };
	if (operator_get(db, operator_id, &op) < 0)
		return say(out, CHARGING_ERROR, "The charge could not be saved. Please try again.");
	const char *state = charge_initial_state(db, operator_id, it->mailbox_id, amount);
	struct charge_new c = {
		.mailbox_id = it->mailbox_id,
		.mail_item_id = it->id,
		.action_request_id = request_id,
		.kind = ai->name,
		.description = description,
		.quantity = 1,
		.unit_amount = amount,
		.currency = op.currency,
		.charge_date = today,
		.billing_state = state,
	};
	int64_t id = state ? charge_create(db, operator_id, &c, now, NULL) : -1;
	operator_clear(&op);
	if (id < 0)
		return say(out, CHARGING_ERROR, "The charge could not be saved. Please try again.");
	out->charge_id = id;
	out->amount = amount;
	str_copy(out->billing_state, sizeof(out->billing_state), state);
	return CHARGING_OK;
}

/*
 * Completes request req on item it, prices it and writes its charge, inside the caller's
 * transaction (which the caller rolls back on anything but CHARGING_OK).
 */
static enum charging_status complete_locked(struct db *db, int64_t operator_id, const struct action_request *req,
					    const struct mail_item *it, const struct forward_details *fwd,
					    int64_t now, struct charging_result *out)
{
	const struct action_info *ai = action_info_find(req->action);
	struct offering off;
	if (!ai)
		return say(out, CHARGING_INVALID, "Choose an action: scan, forward, shred, recycle or pickup.");
	enum charging_status st = action_allowed(db, operator_id, it, ai, 0, &off, out);
	if (st != CHARGING_OK)
		return st;
	int forward = str_eq(ai->name, "forward");
	int64_t postage = forward && fwd ? fwd->postage : 0;
	if (postage < 0 || postage > MONEY_MAX_MINOR)
		return say(out, CHARGING_INVALID, "Enter the postage as an amount like 4.20 (or 0).");
	char today[11], first[11], next_first[11];
	time_format_day(now, today, sizeof(today));
	pricing_month_bounds(today, first, next_first);
	int64_t used = charge_count_in_period(db, operator_id, it->mailbox_id, ai->name, first, next_first);
	if (used < 0)
		return say(out, CHARGING_ERROR, "The charge could not be priced. Please try again.");
	const struct offering_action *oa = &off.actions[mail_action_parse(ai->name)];
	int64_t fee = pricing_action_fee(oa, used);
	int64_t amount = forward ? pricing_forward_total(fee, postage) : fee;
	out->free_allowance = used < oa->free_per_month;
	if (action_request_complete(db, operator_id, req->id, forward && fwd ? fwd->carrier : "",
				    forward && fwd ? fwd->tracking : "", postage, now) < 0)
		return say(out, CHARGING_CONFLICT, "This request is no longer open.");
	if (mail_item_set_status(db, operator_id, it->id, ai->status, ai->leaves_storage ? today : NULL) < 0)
		return say(out, CHARGING_ERROR, "The item could not be updated. Please try again.");
	if (ai->leaves_storage) {
		char note[96];
		snprintf(note, sizeof(note), "The item left storage (%s).", status_words(ai->status));
		if (action_request_cancel_open(db, operator_id, it->id, note) < 0)
			return say(out, CHARGING_ERROR, "The item could not be updated. Please try again.");
	}
	int digits = operator_money_digits(db, operator_id);
	char *description = charge_description(ai, it, fwd, postage, digits);
	st = charge_write(db, operator_id, it, ai, req->id, amount, today, description, now, out);
	free(description);
	if (st != CHARGING_OK)
		return st;
	out->action_request_id = req->id;
	char buf[32];
	say(out, CHARGING_OK, "%s of %s recorded: %s%s.", ai->label, it->reference,
	    amount > 0 ? "charged " : "no charge",
	    amount > 0 ? money_format(amount, digits, buf, sizeof(buf)) : (out->free_allowance ? " (free allowance)" : ""));
	return CHARGING_OK;
}

/* Commits when st is CHARGING_OK, else rolls back; returns the final status. */
static enum charging_status finish(struct db *db, enum charging_status st, struct charging_result *out)
{
	if (st != CHARGING_OK) {
		db_rollback(db);
		return st;
	}
	if (db_commit(db) < 0)
		return say(out, CHARGING_ERROR, "The change could not be saved. Please try again.");
	return CHARGING_OK;
}

static enum charging_status begin(struct db *db, struct charging_result *out)
{
	memset(out, 0, sizeof(*out));
	if (db_begin(db) < 0)
		return say(out, CHARGING_ERROR, "The database is busy. Please try again.");
	return CHARGING_OK;
}

enum charging_status charging_complete_action(struct db *db, int64_t operator_id, int64_t action_request_id,
					      const struct forward_details *fwd, int64_t now,
					      struct charging_result *out)
{
	if (begin(db, out) != CHARGING_OK)
		return CHARGING_ERROR;
	struct action_request req;
	struct mail_item it;
	enum charging_status st = CHARGING_OK;
	if (action_request_get(db, operator_id, action_request_id, &req) < 0 ||
	    mail_item_get(db, operator_id, req.mail_item_id, &it) < 0)
		st = say(out, CHARGING_NOT_FOUND, "There is no such request.");
	else if (!str_eq(req.state, "requested"))
		st = say(out, CHARGING_CONFLICT, "This request was already %s.", req.state);
	else
		st = complete_locked(db, operator_id, &req, &it, fwd, now, out);
	return finish(db, st, out);
}

enum charging_status charging_record_action(struct db *db, int64_t operator_id, int64_t mail_item_id,
					    const char *action, const struct forward_details *fwd, int64_t now,
					    struct charging_result *out)
{
	if (begin(db, out) != CHARGING_OK)
		return CHARGING_ERROR;
	struct mail_item it;
	struct action_request req;
	const struct action_info *ai = action_info_find(action);
	enum charging_status st = CHARGING_OK;
	int64_t req_id = 0;
	if (mail_item_get(db, operator_id, mail_item_id, &it) < 0)
		st = say(out, CHARGING_NOT_FOUND, "There is no such mail item.");
	else if (!ai)
		st = say(out, CHARGING_INVALID, "Choose an action: scan, forward, shred, recycle or pickup.");
	else if ((req_id = action_request_find(db, operator_id, it.id, ai->name, "requested")) < 0)
		st = say(out, CHARGING_ERROR, "The item could not be loaded. Please try again.");
	if (st == CHARGING_OK && req_id == 0) {
		/* Refuse before writing a request that would only be rolled back. */
		struct offering off;
		st = action_allowed(db, operator_id, &it, ai, 0, &off, out);
		if (st == CHARGING_OK &&
		    (req_id = action_request_create(db, operator_id, it.id, ai->name, "operator", now)) < 0)
			st = say(out, CHARGING_ERROR, "The action could not be saved. Please try again.");
	}
	if (st == CHARGING_OK && action_request_get(db, operator_id, req_id, &req) < 0)
		st = say(out, CHARGING_ERROR, "The action could not be saved. Please try again.");
	if (st == CHARGING_OK)
		st = complete_locked(db, operator_id, &req, &it, fwd, now, out);
	return finish(db, st, out);
}

enum charging_status charging_request_action(struct db *db, int64_t operator_id, int64_t renter_id,
					     int64_t mail_item_id, const char *action, int64_t now,
					     struct charging_result *out)
{
	if (begin(db, out) != CHARGING_OK)
		return CHARGING_ERROR;
	struct mail_item it;
	struct offering off;
	const struct action_info *ai = action_info_find(action);
	enum charging_status st = CHARGING_OK;
	int64_t existing = 0;
	if (mail_item_get(db, operator_id, mail_item_id, &it) < 0 || it.renter_id != renter_id || !renter_id)
		st = say(out, CHARGING_NOT_FOUND, "There is no such mail item.");
	else if (!ai)
		st = say(out, CHARGING_INVALID, "Choose an action: scan, forward, shred, recycle or pickup.");
	else if ((st = action_allowed(db, operator_id, &it, ai, 1, &off, out)) != CHARGING_OK)
		;
	else if ((existing = action_request_find(db, operator_id, it.id, ai->name, NULL)) < 0)
		st = say(out, CHARGING_ERROR, "Your request could not be saved. Please try again.");
	else if (existing > 0)
		st = say(out, CHARGING_CONFLICT, "You already asked for %s of %s.", ai->noun, it.reference);
	else if ((out->action_request_id = action_request_create(db, operator_id, it.id, ai->name, "renter", now)) < 0)
		st = say(out, CHARGING_ERROR, "Your request could not be saved. Please try again.");
	if (st == CHARGING_OK) {
		say(out, CHARGING_OK, "Your request for %s of %s was sent.", ai->noun, it.reference);
		log_info("mail", "action requested operator=%lld item=%lld action=%s", (long long)operator_id,
			 (long long)it.id, ai->name);
	}
	return finish(db, st, out);
}

enum charging_status charging_cancel_action(struct db *db, int64_t operator_id, int64_t mail_item_id,
					    int64_t action_request_id, struct charging_result *out)
{
	if (begin(db, out) != CHARGING_OK)
		return CHARGING_ERROR;
	struct action_request req;
	enum charging_status st = CHARGING_OK;
	if (action_request_get(db, operator_id, action_request_id, &req) < 0 || req.mail_item_id != mail_item_id)
		st = say(out, CHARGING_NOT_FOUND, "There is no such request.");
	else if (!str_eq(req.state, "requested"))
		st = say(out, CHARGING_CONFLICT, "This request was already %s.", req.state);
	else if (action_request_cancel(db, operator_id, req.id, "Cancelled by the operator.") < 0)
		st = say(out, CHARGING_ERROR, "The request could not be cancelled. Please try again.");
	if (st == CHARGING_OK) {
		const struct action_info *ai = action_info_find(req.action);
		say(out, CHARGING_OK, "The %s request was cancelled.", ai ? ai->noun : "action");
		out->action_request_id = req.id;
	}
	return finish(db, st, out);
}
