build/http/form.o: src/http/form.c src/http/form.h src/util/util.h
src/http/form.h:
src/util/util.h:
