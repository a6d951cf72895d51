build/crypto/random.o: src/crypto/random.c src/crypto/crypto.h \
 src/util/log.h src/util/util.h
src/crypto/crypto.h:
src/util/log.h:
src/util/util.h:
