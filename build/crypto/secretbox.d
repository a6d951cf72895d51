build/crypto/secretbox.o: src/crypto/secretbox.c src/crypto/crypto.h \
 src/util/log.h src/util/util.h
src/crypto/crypto.h:
src/util/log.h:
src/util/util.h:
