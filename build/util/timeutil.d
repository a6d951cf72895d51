build/util/timeutil.o: src/util/timeutil.c src/util/timeutil.h \
 src/util/util.h
src/util/timeutil.h:
src/util/util.h:
