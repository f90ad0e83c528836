package userrecord

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"

	"communs/ent"
	"communs/ent/journalnote"
	"communs/ent/needassessment"
	"communs/ent/person"
	"communs/ent/personalproject"
	"communs/ent/schema/pulid"
	"communs/internal/sealing"
	"communs/modules"
)

// sealedColumns are the module's sealed fields, by table and column: what
// a key rotation walks.
var sealedColumns = []struct{ table, column string }{
	{person.Table, person.FieldInsSealed},
	{needassessment.Table, needassessment.FieldCodeSealed},
	{needassessment.Table, needassessment.FieldCommentSealed},
	{personalproject.Table, personalproject.FieldObjectivesSealed},
	{journalnote.Table, journalnote.FieldBodySealed},
}

// rotateKeyCommand is communs userrecord rotate-key.
func rotateKeyCommand(setup modules.Setup) modules.Command {
	return modules.Command{
		Summary: "add a key and re-seal every sealed field with it, in batches; run it again to resume",
		Setup: func(fs *flag.FlagSet) func(ctx context.Context, client *ent.Client, args []string, out io.Writer) error {
			batch := fs.Int("batch", 500, "values re-sealed per transaction")
			return func(ctx context.Context, client *ent.Client, _ []string, out io.Writer) error {
				if *batch < 1 {
					return fmt.Errorf("--batch must be at least 1")
				}
				setup.DataDir = fs.Lookup("data-dir").Value.String()
				return RotateKey(ctx, client, setup, *batch, out)
			}
		},
	}
}

// RotateKey re-seals every sealed field with a new key. With the key file
// (see KeysOf), it first adds a key to it — unless values are still sealed
// with an older key than the current one: a rotation was interrupted, and
// this one resumes it instead. With COMMUNS_USERRECORD_KEYS, the operator
// adds the key to the variable, and this re-seals. Servers keep the keys
// they started with: restart them after the key was added.
func RotateKey(ctx context.Context, client *ent.Client, setup modules.Setup, batch int, out io.Writer) error {
	keys, err := KeysOf(setup)()
	if err != nil {
		return err
	}
	stale, err := countStale(ctx, client, keys)
	if err != nil {
		return err
	}
	switch {
	case stale > 0:
		fmt.Fprintf(out, "%d values are still sealed with an older key than %s: resuming the rotation\n", stale, keys.Current())
	case setup.Settings["KEYS"] != "":
		fmt.Fprintf(out, "every value is sealed with %s, the last key of COMMUNS_USERRECORD_KEYS: add a key to it first\n", keys.Current())
		return nil
	default:
		if keys, err = sealing.AddKey(keyFile(setup)); err != nil {
			return err
		}
		fmt.Fprintf(out, "added key %s to %s; restart the servers so that they seal with it\n", keys.Current(), keyFile(setup))
	}
	done, err := Reseal(ctx, client, keys, batch, func(table, column string, n int) {
		fmt.Fprintf(out, "%s.%s: %d re-sealed\n", table, column, n)
	})
	if err != nil {
		return fmt.Errorf("after %d values re-sealed: %w (run rotate-key again to resume)", done, err)
	}
	fmt.Fprintf(out, "rotation done: %d values re-sealed with %s\n", done, keys.Current())
	return nil
}

// staleWhere selects the sealed values of a column not sealed with the
// current key, whose header is $1 (a key id may hold '_', a LIKE wildcard:
// compare the prefix instead).
func staleWhere(column string) string {
	return column + " IS NOT NULL AND substr(" + column + ", 1, length($1)) <> $1"
}

func countStale(ctx context.Context, client *ent.Client, keys *sealing.Keyring) (int, error) {
	total := 0
	for _, c := range sealedColumns {
		rows, err := client.QueryContext(ctx, "SELECT count(*) FROM "+c.table+" WHERE "+staleWhere(c.column), header(keys))
		if err != nil {
			return 0, err
		}
		n, err := scanCount(rows)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func scanCount(rows *sql.Rows) (int, error) {
	defer rows.Close()
	n := 0
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// header is the clear prefix of the values sealed with the current key.
func header(keys *sealing.Keyring) string { return "v1." + keys.Current() + "." }

// Reseal re-seals, batch by batch, each in its own transaction, the values
// not sealed with the current key of keys, and returns how many it did.
// Each value is written back only if unchanged meanwhile. Stopped at any
// point (a crash, ctx cancelled), it resumes where it was when run again:
// the values done are under the current key, and are not selected again.
func Reseal(ctx context.Context, client *ent.Client, keys *sealing.Keyring, batch int, progress func(table, column string, done int)) (int, error) {
	total := 0
	for _, c := range sealedColumns {
		done, after := 0, ""
		for {
			n, last, err := resealBatch(ctx, client, keys, c.table, c.column, after, batch)
			total, done = total+n, done+n
			if err != nil {
				return total, err
			}
			if last == "" {
				break
			}
			after = last
			progress(c.table, c.column, done)
		}
	}
	return total, nil
}

// resealBatch re-seals up to batch stale values of a column whose id is
// after the id given, and returns how many it wrote and the last id seen
// ("" when there were none).
func resealBatch(ctx context.Context, client *ent.Client, keys *sealing.Keyring, table, column, after string, batch int) (int, string, error) {
	rows, err := client.QueryContext(ctx, "SELECT id, "+column+" FROM "+table+
		" WHERE "+staleWhere(column)+" AND id > $2 ORDER BY id LIMIT $3", header(keys), after, batch)
	if err != nil {
		return 0, "", err
	}
	type value struct{ id, old, new string }
	var values []value
	for rows.Next() {
		var v value
		if err := rows.Scan(&v.id, &v.old); err != nil {
			rows.Close()
			return 0, "", err
		}
		values = append(values, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(values) == 0 {
		return 0, "", err
	}
	for i, v := range values {
		resealed, _, err := keys.Reseal(v.old, []byte(associatedData(table, pulid.ID(v.id), column)))
		if err != nil {
			return 0, "", fmt.Errorf("%s %s, %s: %w", table, v.id, column, err)
		}
		values[i].new = resealed
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return 0, "", err
	}
	written := 0
	for _, v := range values {
		res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET "+column+" = $1 WHERE id = $2 AND "+column+" = $3", v.new, v.id, v.old)
		if err != nil {
			_ = tx.Rollback()
			return 0, "", err
		}
		n, _ := res.RowsAffected()
		written += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, "", err
	}
	return written, values[len(values)-1].id, nil
}
