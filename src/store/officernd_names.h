/*
 * officernd_names.h: the name of an OfficeRnD plan, location or member, as pilotomail last saw
 * it: the lists the worker caches (store/officernd_lists.h), else the name kept with the
 * operator's mapping row, else (members) the renter made from that member. Scoped by operator.
 */
#ifndef PILOTOMAIL_STORE_OFFICERND_NAMES_H
#define PILOTOMAIL_STORE_OFFICERND_NAMES_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

enum orn_name_kind {
	ORN_NAME_PLAN,
	ORN_NAME_LOCATION,
	ORN_NAME_MEMBER,
};

/* 1 found (name copied, never empty), 0 not known, -1 on a store error. */
int officernd_name_find(struct db *db, int64_t operator_id, enum orn_name_kind kind, const char *id, char *name,
			size_t size);

#endif
