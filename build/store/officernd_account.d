build/store/officernd_account.o: src/store/officernd_account.c \
 src/store/officernd_account.h src/crypto/crypto.h src/store/db.h \
 src/util/log.h src/util/util.h
src/store/officernd_account.h:
src/crypto/crypto.h:
src/store/db.h:
src/util/log.h:
src/util/util.h:
