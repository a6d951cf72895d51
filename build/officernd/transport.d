build/officernd/transport.o: src/officernd/transport.c \
 src/officernd/internal.h src/officernd/officernd.h src/util/util.h \
 src/util/config.h src/util/log.h src/util/timeutil.h
src/officernd/internal.h:
src/officernd/officernd.h:
src/util/util.h:
src/util/config.h:
src/util/log.h:
src/util/timeutil.h:
