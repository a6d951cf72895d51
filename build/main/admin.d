build/main/admin.o: src/main/admin.c src/core/app.h src/util/config.h \
 src/crypto/crypto.h src/store/db.h src/store/operators.h src/util/log.h \
 src/util/util.h src/util/timeutil.h
src/core/app.h:
src/util/config.h:
src/crypto/crypto.h:
src/store/db.h:
src/store/operators.h:
src/util/log.h:
src/util/util.h:
src/util/timeutil.h:
