build/store/operators.o: src/store/operators.c src/store/operators.h \
 src/crypto/crypto.h src/store/db.h src/util/log.h src/util/util.h \
 src/util/timeutil.h
src/store/operators.h:
src/crypto/crypto.h:
src/store/db.h:
src/util/log.h:
src/util/util.h:
src/util/timeutil.h:
