build/http/http.o: src/http/http.c src/http/http.h src/http/form.h \
 src/util/util.h src/crypto/crypto.h src/util/log.h
src/http/http.h:
src/http/form.h:
src/util/util.h:
src/crypto/crypto.h:
src/util/log.h:
