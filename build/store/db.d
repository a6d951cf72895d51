build/store/db.o: src/store/db.c src/store/db.h src/store/migrations.h \
 src/util/log.h src/util/util.h
src/store/db.h:
src/store/migrations.h:
src/util/log.h:
src/util/util.h:
