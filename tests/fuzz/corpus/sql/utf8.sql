a
bc

dé f