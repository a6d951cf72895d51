build/http/fcgi_loop.o: src/http/fcgi_loop.c src/http/fcgi_loop.h \
 src/http/http.h src/http/form.h src/util/util.h src/util/log.h \
 src/util/timeutil.h
src/http/fcgi_loop.h:
src/http/http.h:
src/http/form.h:
src/util/util.h:
src/util/log.h:
src/util/timeutil.h:
