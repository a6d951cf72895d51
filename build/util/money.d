build/util/money.o: src/util/money.c src/util/money.h
src/util/money.h:
