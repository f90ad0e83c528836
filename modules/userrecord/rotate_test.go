package userrecord

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"communs/ent/person"
	"communs/internal/sealing"
	"communs/modules"
)

// sealedByKey counts the values of each sealed column (rotate.go's
// sealedColumns) by the key that sealed them, read with plain SQL.
func sealedByKey(t *testing.T, d *urDemo) map[string]map[string]int {
	t.Helper()
	counts := map[string]map[string]int{}
	for _, c := range sealedColumns {
		name := c.table + "." + c.column
		counts[name] = map[string]int{}
		rows, err := d.client.QueryContext(t.Context(), "SELECT "+c.column+" FROM "+c.table+" WHERE "+c.column+" IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			id, err := sealing.KeyID(v)
			if err != nil {
				t.Errorf("%s: %.12q… is not a sealed value: %v", name, v, err)
			}
			counts[name][id]++
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(counts[name]) == 0 {
			t.Errorf("no value in %s: the test proves nothing", name)
		}
	}
	return counts
}

// totalsByKey sums sealedByKey over the columns.
func totalsByKey(counts map[string]map[string]int) map[string]int {
	totals := map[string]int{}
	for _, byKey := range counts {
		for id, n := range byKey {
			totals[id] += n
		}
	}
	return totals
}

// openAll opens every sealed value with keys, through the service's
// openers, and returns how many it opened.
func openAll(t *testing.T, d *urDemo, keys *sealing.Keyring) int {
	t.Helper()
	svc := New(d.client, keys)
	opened := 0
	for _, n := range d.client.NeedAssessment.Query().AllX(d.sys) {
		if _, err := svc.NeedCode(n); err != nil {
			t.Errorf("need code: %v", err)
		}
		if _, err := svc.NeedComment(n); err != nil {
			t.Errorf("need comment: %v", err)
		}
		opened += 2
	}
	for _, p := range d.client.PersonalProject.Query().AllX(d.sys) {
		if _, err := svc.Objectives(p); err != nil {
			t.Errorf("objectives: %v", err)
		}
		opened++
	}
	for _, n := range d.client.JournalNote.Query().AllX(d.sys) {
		if _, err := svc.NoteBody(n); err != nil {
			t.Errorf("note: %v", err)
		}
		opened++
	}
	for _, p := range d.client.Person.Query().Where(person.InsSealedNotNil()).AllX(d.sys) {
		if ins, err := svc.INS(d.sys, p); err != nil {
			t.Errorf("INS: %v", err)
		} else if _, err := NormalizeINS(*ins); err != nil {
			t.Errorf("INS opens as %q: %v", *ins, err)
		}
		opened++
	}
	return opened
}

// TestResealResumes: a rotation stopped half-way leaves every value
// readable, some under the new key and some under the old one; run again,
// it finishes, and the old key is no longer needed.
func TestResealResumes(t *testing.T) {
	t.Parallel()
	before := testKeyring(t, "k1", "k1")
	during := testKeyring(t, "k2", "k1", "k2")
	after := testKeyring(t, "k2", "k2")
	d := openDemoSealedWith(t, before)
	initial := totalsByKey(sealedByKey(t, d))
	values := initial["k1"]
	if len(initial) != 1 || values == 0 {
		t.Fatalf("the demo sealed %v, want everything with k1", initial)
	}

	// Stopped after the first batch.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	done, err := Reseal(ctx, d.client, during, 3, func(table, column string, n int) {
		calls++
		cancel()
	})
	if err == nil {
		t.Fatalf("Reseal with its context cancelled: no error, %d values re-sealed", done)
	}
	t.Logf("stopped after %d values: %v", done, err)
	if calls != 1 || done != 3 {
		t.Errorf("stopped after %d batches, %d values; want 1 batch of 3", calls, done)
	}
	half := totalsByKey(sealedByKey(t, d))
	if half["k2"] != done || half["k1"] != values-done || len(half) != 2 {
		t.Errorf("half-way: %v, want %d on k2 and %d on k1", half, done, values-done)
	}
	if n := openAll(t, d, during); n != values {
		t.Errorf("opened %d values half-way, want %d", n, values)
	}

	// Resumed.
	var progress []string
	rest, err := Reseal(t.Context(), d.client, during, 3, func(table, column string, n int) {
		progress = append(progress, table+"."+column)
	})
	if err != nil {
		t.Fatal(err)
	}
	if done+rest != values {
		t.Errorf("re-sealed %d then %d values, want %d in all", done, rest, values)
	}
	if len(progress) == 0 {
		t.Error("no progress reported")
	}
	for column, byKey := range sealedByKey(t, d) {
		if byKey["k1"] != 0 || len(byKey) != 1 {
			t.Errorf("%s after the rotation: %v, want k2 only", column, byKey)
		}
	}
	for name, keys := range map[string]*sealing.Keyring{"k1 and k2": during, "k2 only": after} {
		if n := openAll(t, d, keys); n != values {
			t.Errorf("with %s: opened %d values, want %d", name, n, values)
		}
	}

	// Nothing left to do.
	if again, err := Reseal(t.Context(), d.client, during, 3, func(string, string, int) {}); err != nil || again != 0 {
		t.Errorf("Reseal once done = %d, %v; want 0", again, err)
	}
}

// TestRotateKey: the rotate-key command adds a key to the key file and
// re-seals every value with it; run after an interrupted rotation, it
// resumes it instead of adding another key.
func TestRotateKey(t *testing.T) {
	t.Parallel()
	setup := modules.Setup{DataDir: t.TempDir()}
	first, err := KeysOf(setup)() // creates the key file with k1
	if err != nil {
		t.Fatal(err)
	}
	if first.Current() != "k1" {
		t.Fatalf("the key file starts with %s, want k1", first.Current())
	}
	d := openDemoSealedWith(t, first)
	values := totalsByKey(sealedByKey(t, d))["k1"]

	keyIDs := func() []string {
		t.Helper()
		keys, err := sealing.LoadOrCreate(keyFile(setup))
		if err != nil {
			t.Fatal(err)
		}
		return keys.IDs()
	}
	rotate := func(wantKey, wantOutput string) {
		t.Helper()
		var out bytes.Buffer
		if err := RotateKey(t.Context(), d.client, setup, 7, &out); err != nil {
			t.Fatalf("RotateKey: %v\n%s", err, out.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		t.Logf("%s … %s", lines[0], lines[len(lines)-1])
		if !strings.Contains(out.String(), wantOutput) || !strings.Contains(out.String(), "rotation done") {
			t.Errorf("RotateKey said %q, want %q and the rotation done", out.String(), wantOutput)
		}
		if totals := totalsByKey(sealedByKey(t, d)); totals[wantKey] != values || len(totals) != 1 {
			t.Errorf("after the rotation: %v, want %d values on %s", totals, values, wantKey)
		}
		keys, err := sealing.LoadOrCreate(keyFile(setup))
		if err != nil {
			t.Fatal(err)
		}
		if n := openAll(t, d, keys); n != values {
			t.Errorf("the key file opens %d values, want %d", n, values)
		}
	}

	t.Run("adds a key", func(t *testing.T) {
		rotate("k2", "added key k2")
		text, err := os.ReadFile(keyFile(setup))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains("\n"+string(text), "\nk2 ") {
			t.Errorf("the key file has no k2 line")
		}
		if ids := keyIDs(); strings.Join(ids, ",") != "k1,k2" {
			t.Errorf("the key file holds %v, want k1 and k2", ids)
		}
	})

	t.Run("resumes an interrupted rotation", func(t *testing.T) {
		// Interrupted after the key was added, before anything was re-sealed.
		if _, err := sealing.AddKey(keyFile(setup)); err != nil {
			t.Fatal(err)
		}
		rotate("k3", "resuming")
		if ids := keyIDs(); strings.Join(ids, ",") != "k1,k2,k3" {
			t.Errorf("the key file holds %v, want k1, k2 and k3: no key added when resuming", ids)
		}
	})
}
