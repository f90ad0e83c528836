package userrecord

import (
	"context"
	_ "embed"
	"io"
	"net/http"
	"path/filepath"
	"sync"

	"communs/ent"
	"communs/internal/httperror"
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

// KeysOf returns the module's keys under setup, read once: those of the
// setting KEYS (COMMUNS_USERRECORD_KEYS: the key file's format, lines
// separated by ';') when set, or else those of the key file (see keyFile),
// created with a fresh key (mode 0600) on first start.
func KeysOf(setup modules.Setup) Keys {
	return sync.OnceValues(func() (*sealing.Keyring, error) {
		if text := setup.Settings["KEYS"]; text != "" {
			return sealing.Parse(text)
		}
		return sealing.LoadOrCreate(keyFile(setup))
	})
}

// keyFile is the path of the key file: the setting KEY_FILE
// (COMMUNS_USERRECORD_KEY_FILE), by default userrecord.keys in the data
// directory.
func keyFile(setup modules.Setup) string {
	if path := setup.Settings["KEY_FILE"]; path != "" {
		return path
	}
	return filepath.Join(setup.DataDir, "userrecord.keys")
}

// Module declares the user-record module: its policy, its demo data, its
// nightly job (retention), its key rotation command and its export route,
// sealing with keys (KeysOf(setup), which the GraphQL Service shares).
// The server installs the access log on its client (LogReads).
func Module(setup modules.Setup, keys Keys) *modules.Module {
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
				setup.Logger.InfoContext(ctx, "user record: files anonymised at the end of their retention", "count", n)
			}
			return err
		},
		Commands: map[string]modules.Command{"rotate-key": rotateKeyCommand(setup)},
		Routes: func(client *ent.Client, allowed func(v *viewer.Viewer, field string) bool, errs *httperror.Writer) map[string]http.Handler {
			return map[string]http.Handler{ExportPattern: exportHandler(client, keys, allowed, errs)}
		},
	}
}
