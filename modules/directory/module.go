package directory

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/schema/pulid"
	"communs/internal/extension"
	"communs/modules"
)

//go:embed policy.csv
var policy string

// Name is the module's name in COMMUNS_MODULES and @module.
const Name = "directory"

// Module declares the directory module: its policy, its hook (capacities
// pre-fill the usage declarations) and its CLI command (communs directory
// import). Its GraphQL fields are served by a Service.
func Module() *modules.Module {
	return &modules.Module{
		Name:   Name,
		Policy: []string{policy},
		Hooks:  extension.Hooks{DeclarationLines: declarationLines},
		Demo:   Demo,
		Commands: map[string]modules.Command{
			"import": {Summary: "import a FINESS extract into a member's directory: directory import --member MBR… FILE", Setup: importCommand},
		},
	}
}

// importCommand is communs directory import --member ID FILE.
func importCommand(fs *flag.FlagSet) func(ctx context.Context, client *ent.Client, args []string, out io.Writer) error {
	memberID := fs.String("member", "", "id of the member whose directory receives the establishments (required)")
	return func(ctx context.Context, client *ent.Client, args []string, out io.Writer) error {
		if *memberID == "" || len(args) != 1 {
			return communs.Errorf(communs.EINVALID, "usage: communs directory import --member MBR… FILE")
		}
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		start := time.Now()
		report, err := New(client).Import(ctx, pulid.ID(*memberID), f, func(done, total int) {
			fmt.Fprintf(os.Stderr, "establishments %d/%d\n", done, total)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d lines read in %s: %d created, %d updated, %d unchanged, %d of other legal entities skipped, %d rejected\n",
			report.Lines, time.Since(start).Round(time.Millisecond), report.Created, report.Updated, report.Unchanged, report.Skipped, len(report.Rejected))
		for _, r := range report.Rejected {
			fmt.Fprintf(out, "  line %d: %s\n", r.Line, r.Reason)
		}
		return nil
	}
}
