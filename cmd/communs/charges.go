package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"communs/internal/charging"
	"communs/internal/money"
	"communs/internal/viewer"
)

func runCharges(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		args = []string{"run", "--help"}
	}
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprint(os.Stderr, "Usage: communs charges run --year YEAR --step Q1|Q2|Q3|YEAR_END|SERVICES|FEES\n")
		return errUsage
	}
	fs := newFlagSet("charges run", "run a step of the charge cycle for a fiscal year; running it again adds only what is missing")
	var db dbFlags
	db.register(fs)
	year := fs.Int("year", 0, "the fiscal year (required)")
	step := fs.String("step", "", "Q1, Q2 or Q3 (provisions on the budget), YEAR_END (regularisation on the actual costs), SERVICES (time spent on services) or FEES (membership fees) (required)")
	forcedReason := fs.String("forced-reason", "", "why the step runs before its date (a provision before its quarter starts, the year end before the year is over); kept on the run")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *year == 0 || *step == "" {
		fs.Usage()
		return errUsage
	}
	store, err := db.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	progress := func(done, total int) {
		fmt.Fprintf(out, "\r%s %d: %d/%d done", *step, *year, done, total)
		if done == total {
			fmt.Fprintln(out)
		}
	}
	res, err := charging.RunStep(viewer.SystemContext(ctx), store.Client, charging.Request{
		Year: *year, Step: charging.Step(*step), StartedBy: "communs charges run",
		ForcedReason: *forcedReason, Progress: progress,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "run %s: %d charge lines added (%d already there), %s €, %d calls for funds\n",
		res.Run.ID, res.Created, res.AlreadyThere, money.Format(res.Total), len(res.CallsForFunds))
	if n := len(res.CallsForFunds); n > 0 {
		fmt.Fprintf(out, "calls for funds %s to %s\n", res.CallsForFunds[0].Number, res.CallsForFunds[n-1].Number)
	}
	for _, u := range res.Unallocated {
		fmt.Fprintf(out, "unallocated: %s, %s €: %s\n", u.ResourceName, money.Format(u.Amount), u.Reason)
	}
	for _, m := range res.MissingDeclarations {
		fmt.Fprintf(out, "missing declaration: %s (%s), %s: %s; weighed on %d (%s)\n",
			m.MemberName, m.MemberID, m.ResourceName, m.Reason, m.DefaultQuantity, m.DefaultRule)
	}
	for _, u := range res.Unbilled {
		fmt.Fprintf(out, "not billed: %s, %d min: %s\n", u.Title, u.Minutes, u.Reason)
	}
	return nil
}
