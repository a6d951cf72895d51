build/officernd/errors.o: src/officernd/errors.c src/officernd/internal.h \
 src/officernd/officernd.h src/util/util.h src/crypto/crypto.h
src/officernd/internal.h:
src/officernd/officernd.h:
src/util/util.h:
src/crypto/crypto.h:
