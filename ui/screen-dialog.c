/*
 * screen-dialog: the boxes over the screen.  The engine's questions
 * (confirm a phase, a gate, a stopped step, a rollback, the table name of
 * a destructive step) show the engine's own prompt in full: every
 * statement that will run and the lock it takes.  The console's own
 * questions (quit while a statement runs, cancel it, terminate a session,
 * override an item) say what will happen before it does.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "text.h"
#include "util.h"

#define DIALOG_LINES	128

/* How a line of an engine prompt reads: the locks it takes stand out,
 * and so does anything that cannot be undone. */
static enum draw_style
dialog_line_style(const char *s, size_t len, int first)
{
	char	*l = xstrndup(s, len);
	enum draw_style st = DRAW_NORMAL;

	if (strstr(l, "[irreversible]") != NULL || strstr(l, "destructive") !=
	    NULL)
		st = DRAW_BAD;
	else if (strstr(l, "takes ") != NULL)
		st = DRAW_WARN;
	else if (first)
		st = DRAW_HEADER;
	free(l);
	return (st);
}

/* What a dialog says; TEXT is allocated. */
struct dialog_spec {
	const char	*title;
	enum draw_style	 ts;
	char		*text;
	int		 styled;	/* an engine prompt: style its lines */
	int		 input;		/* rows for a text field under it */
	const char	*hint;
};

static int
dialog_spec(const struct draw_ctx *d, enum keys_state st,
    struct dialog_spec *sp)
{
	const struct engine_snapshot	*s = d->k->snap;
	const struct ui			*ui = d->k->ui;
	const struct monitor_session	*ss = NULL;
	const struct plan_check		*c;
	char				*desc = NULL;
	size_t				 i;

	memset(sp, 0, sizeof *sp);
	sp->ts = DRAW_HEADER;
	switch (st) {
	case KEYS_SMALL:
	case KEYS_HELP:
	case KEYS_CHECKLIST:
	case KEYS_RUN:
		return (-1);
	case KEYS_QUESTION:
		sp->styled = 1;
		sp->text = xstrdup(s->prompt != NULL ? s->prompt : "");
		switch (s->question) {
		case ENGINE_Q_NONE:
		case ENGINE_Q_SIGNOFF:
		case ENGINE_Q_TYPED:
			free(sp->text);
			return (-1);
		case ENGINE_Q_CONFIRM:
			if (strncmp(sp->text, "roll back", 9) == 0) {
				sp->title = "Roll back?";
				sp->ts = DRAW_BAD;
				sp->hint = "c/Enter roll back   n don't   Esc look "
				    "first";
			} else {
				sp->title = "Confirm";
				sp->hint = "c/Enter go ahead   n decline (stops "
				    "the run)   Esc look first";
			}
			break;
		case ENGINE_Q_GATE:
			sp->title = "Gate: confirm when done";
			sp->ts = DRAW_WARN;
			sp->hint = "c/Enter done   n stop the run here   Esc look "
			    "first";
			break;
		case ENGINE_Q_STOPPED:
			sp->title = "Step stopped";
			sp->ts = DRAW_BAD;
			sp->hint = "c/Enter retry   r roll back   k terminate "
			    "selected   q quit";
			break;
		}
		return (0);
	case KEYS_TYPED:
		sp->styled = 1;
		sp->title = "Destructive step";
		sp->ts = DRAW_BAD;
		sp->text = xstrdup(s->prompt != NULL ? s->prompt : "");
		sp->input = 1;
		sp->hint = s->expect != NULL && strcmp(ui->input, s->expect) == 0 ?
		    "Enter runs it   Esc look first" :
		    "type the name, then Enter   Esc look first";
		return (0);
	case KEYS_QUIT:
		sp->title = "Quit";
		sp->ts = DRAW_WARN;
		sp->text = xasprintf("Quit while a statement runs?\n  %s\n"
		    "Quitting cancels it, journals the step as interrupted and "
		    "lets go of the run. Running the plan again resumes here.",
		    s->sql != NULL ? s->sql : "(between attempts)");
		sp->hint = "y quit   n/Esc stay";
		return (0);
	case KEYS_CANCEL:
		sp->title = "Cancel statement";
		sp->ts = DRAW_WARN;
		sp->text = xasprintf("Cancel the running statement?\n  %s\n"
		    "The server rolls it back and the step stops; then c "
		    "retries it or r rolls back.", s->sql != NULL ? s->sql : "");
		sp->hint = "y/x cancel it   n/Esc keep it running";
		return (0);
	case KEYS_KILL:
		for (i = 0; i < d->nrows; i++)
			if (d->rows[i].pid == ui->kill_pid &&
			    d->rows[i].session != NULL)
				ss = d->rows[i].session;
		if (ss != NULL)
			desc = monitor_session_describe(ss);
		sp->title = "Terminate session";
		sp->ts = DRAW_BAD;
		sp->text = xasprintf("Terminate pid %d?\n%s\nIts transaction "
		    "rolls back and its client loses the connection "
		    "(pg_terminate_backend). This is journaled with your name.",
		    ui->kill_pid, desc != NULL ? desc : "(no longer listed: it "
		    "may have ended)");
		free(desc);
		sp->hint = "t terminate   n/Esc keep";
		return (0);
	case KEYS_OVERRIDE:
		if (ui->check_sel >= d->k->plan->nchecklist)
			return (-1);
		c = &d->k->plan->checklist[ui->check_sel];
		sp->title = "Override a failing item";
		sp->ts = DRAW_WARN;
		sp->text = xasprintf("Override '%s': %s\nIt fails now: %s\n"
		    "The run goes on as if it passed; your reason goes into the "
		    "journal with your name.", c->id, c->text,
		    s->checks[ui->check_sel].value != NULL ?
		    s->checks[ui->check_sel].value : "?");
		sp->input = 1;
		sp->hint = "Enter override   Esc back";
		return (0);
	case KEYS_NOTE:
		sp->title = "Add a note";
		sp->ts = DRAW_HEADER;
		sp->text = xasprintf("A note goes into the run's journal under "
		    "your name (%s): the driver's event log shows it, and so "
		    "does bellows report. It changes nothing in the run.",
		    d->k->watch != NULL && d->k->watch->operator != NULL ?
		    d->k->watch->operator : "?");
		sp->input = 1;
		sp->hint = "Enter add the note   Esc back";
		return (0);
	case KEYS_COSIGN:
		if (d->k->watch == NULL || d->k->watch->waiting_phase == NULL)
			return (-1);
		sp->styled = 1;
		sp->title = "Second sign-off";
		sp->ts = DRAW_BAD;
		sp->text = xasprintf("Once phase '%s' is co-signed by %s, the "
		    "driver runs:\n%sType the phase name to co-sign it.",
		    d->k->watch->waiting_phase, d->k->watch->operator != NULL ?
		    d->k->watch->operator : "?", d->k->watch->cosign_text !=
		    NULL ? d->k->watch->cosign_text : "");
		sp->input = 1;
		sp->hint = strcmp(ui->input, d->k->watch->waiting_phase) == 0 ?
		    "Enter co-signs   Esc back" :
		    "type the phase name, then Enter   Esc back";
		return (0);
	}
	return (-1);
}

int
screen_dialog_rows(const struct draw_ctx *d, enum keys_state st, int cols)
{
	struct dialog_spec	sp;
	size_t			n;

	if (dialog_spec(d, st, &sp) != 0)
		return (0);
	n = text_wrap(sp.text, layout_dialog_text_width(cols), d->utf8, -1,
	    NULL, 0);
	free(sp.text);
	return ((int)n + sp.input);
}

/* The box in the layout's dialog band; returns the text field's row. */
static int
dialog_draw(const struct draw_ctx *d, const struct dialog_spec *sp)
{
	const struct layout_rect	*r = &d->l->dialog;
	struct text_line		 ln[DIALOG_LINES];
	size_t				 n, i, src, first;
	int				 w, y, rows;

	if (r->h < 4)
		return (-1);
	w = layout_dialog_text_width(r->w);
	n = text_wrap(sp->text, w, d->utf8, -1, ln, nitems(ln));
	if (n > nitems(ln))
		n = nitems(ln);
	draw_box(d, r, sp->title, sp->ts);
	rows = r->h - 4 - sp->input;
	y = r->y + 1;
	/* Longer than the box: Up/Down scroll it (see keys.c), and the
	 * first and last rows say what is above and below. */
	first = 0;
	if ((int)n > rows && rows > 2) {
		first = (size_t)d->k->ui->dialog_scroll;
		if (first > n - (size_t)rows + 1)
			first = n - (size_t)rows + 1;
	}
	for (i = first; i < n && (int)(i - first) < rows; i++) {
		/* A wrapped continuation keeps its source line's style. */
		src = ln[i].off;
		while (src > 0 && sp->text[src - 1] != '\n')
			src--;
		draw_textn(d, y++, r->x + 2 + ln[i].indent, w - ln[i].indent,
		    sp->text + ln[i].off, ln[i].len, sp->styled ?
		    dialog_line_style(sp->text + src, strcspn(sp->text + src,
		    "\n"), src == 0) : (src == 0 ? DRAW_HEADER : DRAW_NORMAL));
	}
	if (first > 0) {
		draw_fill(r->y + 1, r->x + 2, w, DRAW_NORMAL);
		draw_printf(d, r->y + 1, r->x + 2, w, DRAW_DIM, "... %zu "
		    "line%s above (Up)", first + 1, first == 0 ? "" : "s");
	}
	if ((int)n > rows && rows > 0 && first + (size_t)rows < n) {
		draw_fill(y - 1, r->x + 2, w, DRAW_NORMAL);
		draw_printf(d, y - 1, r->x + 2, w, DRAW_DIM, "... %zu more "
		    "line%s below (Down)", n - first - (size_t)rows + 1,
		    n - first - (size_t)rows == 0 ? "" : "s");
	}
	if ((int)n > rows && rows > 2)
		draw_printf(d, r->y + r->h - 2, r->x + 2, w, DRAW_DIM,
		    "%s   Up/Down scroll", sp->hint);
	else
		draw_text(d, r->y + r->h - 2, r->x + 2, w, sp->hint, DRAW_DIM);
	return (r->y + r->h - 3 - sp->input);
}

/* A text field: LABEL then the input, its tail when it is long. */
static void
dialog_input(const struct draw_ctx *d, int y, const char *label,
    const char *input, enum draw_style st)
{
	const struct layout_rect	*r = &d->l->dialog;
	const char			*s = input;
	int				 x = r->x + 2, w, lw, fw;

	w = layout_dialog_text_width(r->w);
	lw = draw_text(d, y, x, w, label, DRAW_HEADER) + 1;
	fw = w - lw;
	if (fw < 4)
		return;
	draw_fill(y, x + lw, fw, DRAW_INPUT);
	while (text_width(s, strlen(s), d->utf8) > fw - 1)
		s++;
	lw += draw_text(d, y, x + lw, fw - 1, s, st);
	draw_wch(y, x + lw, L' ', DRAW_SELECT);	/* the cursor */
}

static void
screen_dialog_draw(const struct draw_ctx *d, enum keys_state st)
{
	struct dialog_spec	 sp;

	if (dialog_spec(d, st, &sp) != 0)
		return;
	dialog_draw(d, &sp);
	free(sp.text);
}

void
screen_question_draw(const struct draw_ctx *d)
{
	screen_dialog_draw(d, KEYS_QUESTION);
}

void
screen_typed_draw(const struct draw_ctx *d)
{
	const struct engine_snapshot	*s = d->k->snap;
	struct dialog_spec		 sp;
	char				*label;
	int				 y, ok;

	if (dialog_spec(d, KEYS_TYPED, &sp) != 0)
		return;
	y = dialog_draw(d, &sp);
	free(sp.text);
	ok = s->expect != NULL && strcmp(d->k->ui->input, s->expect) == 0;
	label = xstrdup("name:");
	if (y > 0)
		dialog_input(d, y, label, d->k->ui->input, ok ? DRAW_OK :
		    DRAW_INPUT);
	free(label);
}

void
screen_quit_draw(const struct draw_ctx *d)
{
	screen_dialog_draw(d, KEYS_QUIT);
}

void
screen_cancel_draw(const struct draw_ctx *d)
{
	screen_dialog_draw(d, KEYS_CANCEL);
}

void
screen_kill_draw(const struct draw_ctx *d)
{
	screen_dialog_draw(d, KEYS_KILL);
}


/* A dialog with a text field labelled LABEL under it. */
static void
screen_input_draw(const struct draw_ctx *d, enum keys_state st,
    const char *label, enum draw_style is)
{
	struct dialog_spec	sp;
	int			y;

	if (dialog_spec(d, st, &sp) != 0)
		return;
	y = dialog_draw(d, &sp);
	free(sp.text);
	if (y > 0)
		dialog_input(d, y, label, d->k->ui->input, is);
}

void
screen_override_draw(const struct draw_ctx *d)
{
	screen_input_draw(d, KEYS_OVERRIDE, "reason:", DRAW_INPUT);
}

void
screen_note_draw(const struct draw_ctx *d)
{
	screen_input_draw(d, KEYS_NOTE, "note:", DRAW_INPUT);
}

void
screen_cosign_draw(const struct draw_ctx *d)
{
	const struct ui_watch	*w = d->k->watch;

	screen_input_draw(d, KEYS_COSIGN, "phase:", w != NULL &&
	    w->waiting_phase != NULL && strcmp(d->k->ui->input,
	    w->waiting_phase) == 0 ? DRAW_OK : DRAW_INPUT);
}
