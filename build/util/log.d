build/util/log.o: src/util/log.c src/util/log.h src/util/util.h
src/util/log.h:
src/util/util.h:
