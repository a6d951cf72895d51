build/util/config.o: src/util/config.c src/util/config.h src/util/util.h
src/util/config.h:
src/util/util.h:
