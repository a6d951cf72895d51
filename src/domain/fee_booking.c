/* fee_booking.c: see fee_booking.h. */
#include "domain/fee_booking.h"
#include "domain/charging.h"
#include "util/currency.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define UNITS_PER_TOKEN ((int64_t)60000) /* a minute in ms: rate_per_minute units per ms */
#define EN_DASH "\xe2\x80\x93"
#define ARROW "\xe2\x86\x92"

/* "Scan", "Storage", ...: what the invoice line calls the charge. */
static void fee_label(const char *kind, char *out, size_t size)
{
	const char *label = strcmp(kind, "storage") == 0 ? "Storage" : charging_action_label(kind);
	if (label && *label) {
		str_copy(out, size, label);
		return;
	}
	str_copy(out, size, kind);
	if (*out)
		*out = (char)toupper((unsigned char)*out);
}

/* The payer, location and plan, or why the charge cannot be billed (-1). */
static int fee_mapping(const struct fee_target *t, struct fee_draft *d, char *why, size_t why_size)
{
	if (!*t->charge_plan_id) {
		snprintf(why, why_size, "No Mail charges plan chosen on the OfficeRnD card: choose one under "
			 "Settings " ARROW " Integrations " ARROW " OfficeRnD, then retry");
		return -1;
	}
	if (!*t->location_id) {
		if (*t->space_name)
			snprintf(why, why_size, "The space \"%s\" is not linked to an OfficeRnD location: link it "
				 "on the OfficeRnD card, then retry", t->space_name);
		else
			snprintf(why, why_size, "The mailbox has no space linked to an OfficeRnD location: give "
				 "it a space, link that space on the OfficeRnD card, then retry");
		return -1;
	}
	if (!*t->company_id && !*t->member_id) {
		snprintf(why, why_size, "The renter %s is not linked to an OfficeRnD member: only OfficeRnD "
			 "members can be billed through OfficeRnD", *t->renter_name ? t->renter_name : "(no name)");
		return -1;
	}
	d->company_payer = *t->company_id != '\0';
	str_copy(d->payer, sizeof(d->payer), d->company_payer ? t->company_id : t->member_id);
	str_copy(d->location, sizeof(d->location), t->location_id);
	str_copy(d->plan, sizeof(d->plan), t->charge_plan_id);
	return 0;
}

int fee_booking_build(const struct charge *c, const struct fee_target *t, struct fee_draft *out, char *why,
		      size_t why_size)
{
	memset(out, 0, sizeof(*out));
	if (why_size)
		why[0] = '\0';
	if (!*c->reference || !*c->charge_date || c->unit_amount < 0) {
		snprintf(why, why_size, "The charge has no reference or date: it cannot be billed");
		return -1;
	}
	if (fee_mapping(t, out, why, why_size))
		return -1;
	int digits = currency_minor_digits(c->currency);
	if (digits < 0) {
		snprintf(why, why_size, "The charge's currency \"%.8s\" is not an ISO 4217 currency code: "
			 "it cannot be billed", c->currency);
		return -1;
	}

	char label[64];
	fee_label(c->kind, label, sizeof(label));
	const char *item = *c->mail_reference ? c->mail_reference : c->reference;
	/* An invoice line should say which item and when: its receipt, or the day of storage. */
	const char *day = strcmp(c->kind, "storage") == 0 && *c->storage_day ? c->storage_day
			  : *t->received_on ? t->received_on
			  : c->charge_date;
	snprintf(out->name, sizeof(out->name), "%s " EN_DASH " %s (%s)", label, item, day);
	snprintf(out->description, sizeof(out->description), "%s " EN_DASH " pilotomail charge %s",
		 *c->description ? c->description : label, c->reference);
	str_copy(out->issue_date, sizeof(out->issue_date), c->charge_date);
	str_copy(out->reference, sizeof(out->reference), c->reference);

	out->rq.name = out->name;
	out->rq.issue_date = out->issue_date;
	out->rq.location = out->location;
	out->rq.plan = out->plan;
	out->rq.member = out->company_payer ? NULL : out->payer;
	out->rq.company = out->company_payer ? out->payer : NULL;
	out->rq.description = out->description;
	out->rq.reference = out->reference;
	out->rq.price_minor = c->unit_amount;
	out->rq.minor_digits = digits;
	out->rq.quantity = c->quantity < 1 ? 1 : c->quantity > 1000000 ? 1000000 : (int)c->quantity;
	out->rq.is_personal = !out->company_payer;
	return 0;
}

/* OfficeRnD's own words in one of orn's messages: what follows "(HTTP nnn): ", or NULL. */
static const char *their_words(const char *msg)
{
	const char *p = strstr(msg, "(HTTP ");
	if (!p || !(p = strchr(p, ')')) || p[1] != ':' || p[2] != ' ' || !p[3])
		return NULL;
	return p + 3;
}

static int retryable(const struct orn_error *e)
{
	return orn_error_retryable(e) || e->status == ORN_ERR_BAD_RESPONSE;
}

/* Could this failed POST have created the fee? Only when it went out without a clear refusal. */
static int maybe_created(const struct orn_error *e)
{
	if (!e->request_sent)
		return 0;
	switch (e->status) {
	case ORN_ERR_NETWORK:
	case ORN_ERR_TIMEOUT:
	case ORN_ERR_BAD_RESPONSE:
		return 1;
	case ORN_ERR_SERVER:
		return e->http_status != 408; /* 408: OfficeRnD never got the whole request */
	default:
		return 0; /* 429 and 4xx: refused before anything was done */
	}
}

static void permanent_words(const struct orn_error *e, int posted, char *out, size_t size)
{
	const char *what = posted ? "OfficeRnD refused the fee" : "OfficeRnD refused the lookup of the fee";
	const char *words = their_words(e->message);
	switch (e->status) {
	case ORN_ERR_INVALID:
	case ORN_ERR_NOT_FOUND:
		if (e->http_status && words)
			snprintf(out, size, "%s: %s (HTTP %d)", what, words, e->http_status);
		else if (e->http_status)
			snprintf(out, size, "%s (HTTP %d)", what, e->http_status);
		else
			str_copy(out, size, e->message);
		break;
	case ORN_ERR_AUTH:
		snprintf(out, size, "%.400s: check the client ID and secret on the OfficeRnD card, then retry",
			 e->message);
		break;
	default: /* a missing scope, not configured: already in the operator's words */
		str_copy(out, size, e->message[0] ? e->message : "OfficeRnD refused the fee");
		break;
	}
}

void fee_booking_classify(const struct orn_error *e, const struct fee_attempt *a, struct fee_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->uncertain = a->posted ? maybe_created(e) : 1;
	/* Never due again before a POST we gave up on may have landed (the lookup comes first). */
	int64_t settle = a->posted && out->uncertain ? a->settle_s : 0;
	if (!retryable(e)) {
		out->next = FEE_NEXT_FAILED;
		out->next_attempt_at = out->uncertain ? a->now + settle : 0;
		permanent_words(e, a->posted, out->error, sizeof(out->error));
		return;
	}
	char reason[400];
	if (a->posted)
		snprintf(reason, sizeof(reason), "%.399s", e->message);
	else
		snprintf(reason, sizeof(reason), "Looking the fee up in OfficeRnD failed: %.340s", e->message);
	if (a->attempts >= a->max_attempts) {
		out->next = FEE_NEXT_FAILED;
		out->next_attempt_at = a->now + settle;
		snprintf(out->error, sizeof(out->error), "Gave up after %lld attempts. Last: %s",
			 (long long)a->attempts, reason);
		return;
	}
	out->next = FEE_NEXT_RETRY;
	int attempt = a->attempts < 1 ? 0 : a->attempts > 64 ? 63 : (int)(a->attempts - 1);
	int64_t wait_s = (orn_retry_delay_ms(e, attempt) + 999) / 1000;
	if (wait_s < settle)
		wait_s = settle;
	if (wait_s > FEE_RETRY_CAP_S)
		wait_s = FEE_RETRY_CAP_S > settle ? FEE_RETRY_CAP_S : settle;
	out->next_attempt_at = a->now + wait_s;
	str_copy(out->error, sizeof(out->error), reason);
}

long fee_booking_find(const struct orn_fee_ref *fees, size_t n, const char *reference)
{
	if (!reference || !*reference)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (fees[i].reference && strcmp(fees[i].reference, reference) == 0)
			return (long)i;
	return -1;
}

void fee_booking_lookup_key(const struct fee_target *t, const struct fee_draft *d, struct fee_lookup_key *out)
{
	memset(out, 0, sizeof(*out));
	if (*t->sent_member || *t->sent_company) {
		out->member = *t->sent_company ? NULL : t->sent_member;
		out->company = *t->sent_company ? t->sent_company : NULL;
		out->plan = *t->sent_plan ? t->sent_plan : NULL;
		return;
	}
	/* Never recorded (a charge posted before migration 007): where it would go now, any plan. */
	out->member = d->company_payer ? NULL : d->payer;
	out->company = d->company_payer ? d->payer : NULL;
}

void fee_timing_derive(int64_t http_timeout_ms, int64_t settle_s, struct fee_timing *out)
{
	out->window_ms = FEE_WORK_WINDOW_MS;
	int64_t lease_ms = FEE_WORK_WINDOW_MS + http_timeout_ms + settle_s * 1000 + FEE_LEASE_MARGIN_MS;
	out->lease_s = (lease_ms + 999) / 1000;
}

void fee_bucket_init(struct fee_bucket *b, int64_t rate_per_minute, int64_t burst, int64_t now_ms)
{
	memset(b, 0, sizeof(*b));
	b->rate_per_minute = rate_per_minute < 1 ? 1 : rate_per_minute;
	b->capacity = (burst < 1 ? 1 : burst > 1000000 ? 1000000 : burst) * UNITS_PER_TOKEN;
	b->units = b->capacity;
	b->last_ms = now_ms;
}

static void bucket_refill(struct fee_bucket *b, int64_t now_ms)
{
	if (now_ms <= b->last_ms)
		return;
	int64_t elapsed = now_ms - b->last_ms;
	/* No more than a full bucket's worth: keeps the product far from overflowing. */
	int64_t to_full = (b->capacity - b->units + b->rate_per_minute - 1) / b->rate_per_minute;
	if (elapsed > to_full)
		elapsed = to_full;
	b->units += elapsed * b->rate_per_minute;
	if (b->units > b->capacity)
		b->units = b->capacity;
	b->last_ms = now_ms;
}

int64_t fee_bucket_take(struct fee_bucket *b, int64_t now_ms)
{
	if (now_ms < b->paused_until_ms)
		return b->paused_until_ms - now_ms;
	bucket_refill(b, now_ms);
	if (b->units >= UNITS_PER_TOKEN) {
		b->units -= UNITS_PER_TOKEN;
		return 0;
	}
	int64_t missing = UNITS_PER_TOKEN - b->units;
	return (missing + b->rate_per_minute - 1) / b->rate_per_minute;
}

void fee_bucket_pause(struct fee_bucket *b, int64_t until_ms)
{
	if (until_ms <= b->paused_until_ms)
		return;
	b->paused_until_ms = until_ms;
	/* One request may go when the wait is over; the rest come at the normal rate. */
	b->units = b->capacity < UNITS_PER_TOKEN ? b->capacity : UNITS_PER_TOKEN;
	b->last_ms = until_ms;
}
