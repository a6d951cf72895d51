build/officernd/parse.o: src/officernd/parse.c src/officernd/internal.h \
 src/officernd/officernd.h src/util/util.h src/util/money.h
src/officernd/internal.h:
src/officernd/officernd.h:
src/util/util.h:
src/util/money.h:
