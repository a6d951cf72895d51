build/store/sessions.o: src/store/sessions.c src/store/sessions.h \
 src/crypto/crypto.h src/store/db.h src/util/timeutil.h src/util/util.h
src/store/sessions.h:
src/crypto/crypto.h:
src/store/db.h:
src/util/timeutil.h:
src/util/util.h:
