build/crypto/password.o: src/crypto/password.c src/crypto/crypto.h \
 src/util/log.h src/util/util.h
src/crypto/crypto.h:
src/util/log.h:
src/util/util.h:
