// placeholder until this target's files land
