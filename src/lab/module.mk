# summary: build rules of the lab (apiary lab): the harmless bot the lab's intruder runs.
#
# lib/lab/bot.c is not library code (it has a main and runs on the
# honeypot), so it is built here as a program of its own next to the
# others: $(BINDIR)/apiary-lab-bot, part of `make` (all).
all: $(BINDIR)/apiary-lab-bot
$(BINDIR)/apiary-lab-bot: lib/lab/bot.c
	@mkdir -p $(@D)
	$(CC) -std=gnu17 $(WARN) -O2 -o $@ $<
