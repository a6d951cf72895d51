/*
 * operator_zone.h: each operator's time zone (operators.timezone), in which its pages and its
 * renters' pages show dates and times. A name of the system's tz database (util/timeutil.h).
 */
#ifndef PILOTOMAIL_STORE_OPERATOR_ZONE_H
#define PILOTOMAIL_STORE_OPERATOR_ZONE_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

/* The operator's zone into buf (TIME_ZONE_MAX bytes); TIME_ZONE_DEFAULT when the operator is
 * unknown or its stored zone is no longer in the tz database. Returns buf. */
char *operator_time_zone(struct db *db, int64_t operator_id, char *buf, size_t size);
/* Sets it: 0, or -1 when zone is not a time zone of the tz database (nothing changes). */
int operator_set_time_zone(struct db *db, int64_t operator_id, const char *zone);

#endif
