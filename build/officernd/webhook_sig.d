build/officernd/webhook_sig.o: src/officernd/webhook_sig.c \
 src/officernd/webhook_sig.h src/util/log.h src/util/util.h
src/officernd/webhook_sig.h:
src/util/log.h:
src/util/util.h:
