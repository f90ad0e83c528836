package userrecord

import (
	"context"
	_ "embed"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"communs/ent"
	"communs/internal/sealing"
	"communs/internal/viewer"
	"communs/modules"
)

//go:embed policy.csv
var policy string

// Name is the module's name in COMMUNS_MODULES and @module.
const Name = "userrecord"

// Keys returns the keyring that seals the module's fields.
type Keys func() (*sealing.Keyring, error)

// KeysIn returns the module's keys: those of COMMUNS_USERRECORD_KEYS when
// set (the key file's format, lines separated by ';'), or else those of the
// key file COMMUNS_USERRECORD_KEY_FILE, by default userrecord.keys in the
// data directory, created with a fresh key (mode 0600) on first start.
// They are read once.
func KeysIn(dataDir string) Keys {
	return sync.OnceValues(func() (*sealing.Keyring, error) {
		if text := os.Getenv("COMMUNS_USERRECORD_KEYS"); text != "" {
			return sealing.Parse(text)
		}
		return sealing.LoadOrCreate(KeyFile(dataDir))
	})
}

// KeyFile is the path of the key file.
func KeyFile(dataDir string) string {
	if path := os.Getenv("COMMUNS_USERRECORD_KEY_FILE"); path != "" {
		return path
	}
	return filepath.Join(dataDir, "userrecord.keys")
}

// Module declares the user-record module: its policy, its demo data, its
// nightly job (retention), its key rotation command and its export route.
// Its GraphQL fields are served over a Service; the server installs the
// access log on its client (LogReads).
func Module(keys Keys) *modules.Module {
	return &modules.Module{
		Name:   Name,
		Policy: []string{policy},
		Demo: func(ctx context.Context, client *ent.Client, out io.Writer) error {
			k, err := keys()
			if err != nil {
				return err
			}
			return Demo(k)(ctx, client, out)
		},
		Nightly: func(ctx context.Context, client *ent.Client) error {
			// Anonymising seals nothing: no keys needed.
			n, err := New(client, nil).AnonymiseExpired(ctx)
			if n > 0 {
				slog.InfoContext(ctx, "user record: files anonymised at the end of their retention", "count", n)
			}
			return err
		},
		Commands: map[string]modules.Command{"rotate-key": rotateKeyCommand()},
		Routes: func(client *ent.Client, allowed func(v *viewer.Viewer, field string) bool) map[string]http.Handler {
			return map[string]http.Handler{ExportPattern: exportHandler(client, keys, allowed)}
		},
	}
}
