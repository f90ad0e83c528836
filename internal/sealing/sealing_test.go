package sealing

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// testKey returns a recognizable 32-byte key.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustKeyring(t *testing.T, current string, keys map[string][]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(current, keys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rings returns the keyring before a rotation (k1 only) and after (k1 and
// k2, k2 current).
func rings(t *testing.T) (before, after *Keyring) {
	before = mustKeyring(t, "k1", map[string][]byte{"k1": testKey(1)})
	after = mustKeyring(t, "k2", map[string][]byte{"k1": testKey(1), "k2": testKey(2)})
	return before, after
}

var ad = []byte("person/PRS01HZX/notes")

func TestRoundTrip(t *testing.T) {
	_, k := rings(t)
	for _, plaintext := range [][]byte{
		{},
		[]byte("x"),
		[]byte("Suivi social : difficultés de logement, RSA depuis 2024."),
		{0, 1, 2, 0xff, '.', '\n'},
		bytes.Repeat([]byte("long "), 10000),
	} {
		sealed, err := k.Seal(plaintext, ad)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "v1.k2.") {
			t.Fatalf("sealed = %.20q..., want prefix v1.k2.", sealed)
		}
		if len(plaintext) > 3 && strings.Contains(sealed, string(plaintext[:4])) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := k.Open(sealed, ad)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil || !bytes.Equal(got, plaintext) {
			t.Fatalf("Open = %q, want %q", got, plaintext)
		}
	}

	sealed, err := k.SealString("allergie : pénicilline", string(ad))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.OpenString(sealed, string(ad)); err != nil || got != "allergie : pénicilline" {
		t.Fatalf("OpenString = %q, %v", got, err)
	}

	// The empty string is sealed too, and sealed values of it differ.
	e1, _ := k.SealString("", string(ad))
	e2, _ := k.SealString("", string(ad))
	if e1 == "" || e1 == e2 {
		t.Fatalf("sealed empty strings: %q, %q", e1, e2)
	}
	if got, err := k.OpenString(e1, string(ad)); err != nil || got != "" {
		t.Fatalf("OpenString(empty) = %q, %v", got, err)
	}
}

func TestFreshNonces(t *testing.T) {
	_, k := rings(t)
	const n = 2000
	seenValue := make(map[string]bool, n)
	seenNonce := make(map[string]bool, n)
	for range n {
		sealed, err := k.SealString("same plaintext", "same/row/field")
		if err != nil {
			t.Fatal(err)
		}
		_, raw, err := parse(sealed)
		if err != nil {
			t.Fatal(err)
		}
		nonce := string(raw[:nonceSize])
		if seenValue[sealed] || seenNonce[nonce] {
			t.Fatal("a sealed value or a nonce repeated")
		}
		seenValue[sealed], seenNonce[nonce] = true, true
	}
}

func TestOpenRefuses(t *testing.T) {
	_, k := rings(t)
	const secret = "VIH positif"
	sealed, err := k.SealString(secret, string(ad))
	if err != nil {
		t.Fatal(err)
	}
	prefix, payload := sealed[:len("v1.k2.")], sealed[len("v1.k2."):]

	check := func(t *testing.T, sealed string, ad []byte, want error) {
		t.Helper()
		got, err := k.Open(sealed, ad)
		if !errors.Is(err, want) {
			t.Fatalf("Open error = %v, want %v", err, want)
		}
		if got != nil {
			t.Fatalf("Open returned %q with an error", got)
		}
		if msg := err.Error(); strings.Contains(msg, secret) || (len(sealed) > 10 && strings.Contains(msg, sealed)) {
			t.Fatalf("error reveals its input: %s", msg)
		}
	}

	t.Run("tampered", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(payload)
		for i := range raw { // nonce, ciphertext and tag alike
			mod := bytes.Clone(raw)
			mod[i] ^= 0x01
			check(t, prefix+base64.RawURLEncoding.EncodeToString(mod), ad, ErrAuthentication)
		}
		// Truncated tag, appended byte.
		check(t, prefix+base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]), ad, ErrAuthentication)
		check(t, prefix+base64.RawURLEncoding.EncodeToString(append(bytes.Clone(raw), 0)), ad, ErrAuthentication)
	})

	t.Run("wrong associated data", func(t *testing.T) {
		check(t, sealed, []byte("person/PRS01HZY/notes"), ErrAuthentication) // another row
		check(t, sealed, []byte("person/PRS01HZX/phone"), ErrAuthentication) // another field
		check(t, sealed, append(bytes.Clone(ad), 0), ErrAuthentication)
		check(t, sealed, nil, ErrNoAssociatedData)
		if _, err := k.Seal([]byte("x"), nil); !errors.Is(err, ErrNoAssociatedData) {
			t.Fatalf("Seal without associated data: %v", err)
		}
	})

	t.Run("wrong key under the same id", func(t *testing.T) {
		other := mustKeyring(t, "k2", map[string][]byte{"k2": testKey(9)})
		if _, err := other.Open(sealed, ad); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("error = %v, want ErrAuthentication", err)
		}
	})

	t.Run("unknown key id", func(t *testing.T) {
		check(t, "v1.k7."+payload, ad, ErrUnknownKey)
		_, err := k.Open("v1.k7."+payload, ad)
		if !strings.Contains(err.Error(), "k7") {
			t.Fatalf("error %q does not name the missing key", err)
		}
	})

	t.Run("header is authenticated", func(t *testing.T) {
		// The same key under two ids: only the header differs, and must
		// still be refused once changed.
		twin := mustKeyring(t, "a", map[string][]byte{"a": testKey(3), "b": testKey(3)})
		s, err := twin.SealString(secret, string(ad))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := twin.OpenString("v1.b."+strings.TrimPrefix(s, "v1.a."), string(ad)); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("error = %v, want ErrAuthentication", err)
		}
	})

	t.Run("malformed", func(t *testing.T) {
		short := base64.RawURLEncoding.EncodeToString(make([]byte, nonceSize+15))
		for _, bad := range []string{
			"",
			secret, // a plaintext stored by mistake
			"v1",
			"v1.",
			"v1.k2",
			"v1.k2.",
			"v1..", // empty id
			"v1.." + payload,
			"v2.k2." + payload,
			"V1.k2." + payload,
			" v1.k2." + payload,
			"v1.k2." + payload + " ",
			"v1.k2." + payload + "=",
			"v1.k2." + payload[:10] + "\n" + payload[10:],
			"v1.k2." + payload[:10] + "+" + payload[11:], // std alphabet
			"v1.k2." + payload + ".x",
			"v1.k 2." + payload,
			"v1." + strings.Repeat("k", 33) + "." + payload,
			"v1.k2." + short,
			"v1.k2." + payload[:len(payload)-3], // 49 characters: not a whole byte
		} {
			check(t, bad, ad, ErrMalformed)
			if _, err := KeyID(bad); !errors.Is(err, ErrMalformed) {
				t.Errorf("KeyID(%q) error = %v, want ErrMalformed", bad, err)
			}
		}
		// A non-canonical spelling of the same bytes: a 1-byte plaintext
		// makes 29 bytes, 39 characters whose last one carries 2 unused
		// bits; setting one of them must be refused, not ignored.
		one, _ := k.SealString("1", string(ad))
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		i := strings.IndexByte(alphabet, one[len(one)-1])
		check(t, one[:len(one)-1]+string(alphabet[i^1]), ad, ErrMalformed)
		if _, err := k.Open("v2.k2."+payload, ad); err == nil || !strings.Contains(err.Error(), "unsupported version v2") {
			t.Fatalf("v2 error = %v, want it to name the version", err)
		}
	})

	// And after all this, the genuine value still opens.
	if got, err := k.OpenString(sealed, string(ad)); err != nil || got != secret {
		t.Fatalf("OpenString = %q, %v", got, err)
	}
}

func TestKeyID(t *testing.T) {
	before, after := rings(t)
	s1, _ := before.SealString("a", "t/1/f")
	s2, _ := after.SealString("a", "t/1/f")
	for sealed, want := range map[string]string{s1: "k1", s2: "k2"} {
		got, err := KeyID(sealed)
		if err != nil || got != want {
			t.Fatalf("KeyID = %q, %v, want %q", got, err, want)
		}
	}
	if _, err := KeyID("not sealed"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("KeyID(garbage) error = %v", err)
	}
}

func TestReseal(t *testing.T) {
	before, after := rings(t)
	old, err := before.SealString("dossier MDPH", string(ad))
	if err != nil {
		t.Fatal(err)
	}

	moved, changed, err := after.Reseal(old, ad)
	if err != nil || !changed {
		t.Fatalf("Reseal = %v, %v", changed, err)
	}
	if id, _ := KeyID(moved); id != "k2" {
		t.Fatalf("resealed under %q, want k2", id)
	}
	if got, err := after.OpenString(moved, string(ad)); err != nil || got != "dossier MDPH" {
		t.Fatalf("OpenString(resealed) = %q, %v", got, err)
	}
	// The binding to the row survives resealing.
	if _, err := after.Open(moved, []byte("person/OTHER/notes")); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("resealed value opens with other associated data: %v", err)
	}
	// A process still on the old keyring cannot open it: the reason every
	// process must reload before the reseal job runs.
	if _, err := before.Open(moved, ad); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old keyring error = %v, want ErrUnknownKey", err)
	}

	// Already current: nothing to do, the value is returned as is.
	again, changed, err := after.Reseal(moved, ad)
	if err != nil || changed || again != moved {
		t.Fatalf("Reseal(current) = %v, %v, same=%v", changed, err, again == moved)
	}

	// Reseal opens before anything else, current key or not.
	for _, sealed := range []string{old, moved} {
		if _, changed, err := after.Reseal(sealed, []byte("person/OTHER/notes")); !errors.Is(err, ErrAuthentication) || changed {
			t.Fatalf("Reseal with wrong associated data = %v, %v", changed, err)
		}
	}
	if _, _, err := after.Reseal("garbage", ad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Reseal(garbage) error = %v", err)
	}
}

func TestNewKeyring(t *testing.T) {
	secretID := base64.StdEncoding.EncodeToString(testKey(7)) // a key pasted as an id
	for name, tc := range map[string]struct {
		current string
		keys    map[string][]byte
	}{
		"no keys":        {"k1", nil},
		"short key":      {"k1", map[string][]byte{"k1": make([]byte, 16)}},
		"long key":       {"k1", map[string][]byte{"k1": make([]byte, 33)}},
		"missing":        {"k2", map[string][]byte{"k1": testKey(1)}},
		"empty current":  {"", map[string][]byte{"k1": testKey(1)}},
		"dot in id":      {"k.1", map[string][]byte{"k.1": testKey(1)}},
		"space in id":    {"k 1", map[string][]byte{"k 1": testKey(1)}},
		"secret as id":   {"k1", map[string][]byte{"k1": testKey(1), secretID: testKey(2)}},
		"secret current": {secretID, map[string][]byte{"k1": testKey(1)}},
	} {
		_, err := NewKeyring(tc.current, tc.keys)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), secretID) {
			t.Errorf("%s: error reveals an invalid id: %v", name, err)
		}
	}

	// The keys are copied.
	key := testKey(1)
	k := mustKeyring(t, "k1", map[string][]byte{"k1": key})
	sealed, _ := k.SealString("x", "t/1/f")
	clear(key)
	if _, err := k.OpenString(sealed, "t/1/f"); err != nil {
		t.Fatalf("keyring depends on the caller's slice: %v", err)
	}
}

func TestKeyringPrintsNoKeys(t *testing.T) {
	_, k := rings(t)
	want := "sealing.Keyring{current: k2, keys: k1,k2}"
	for _, format := range []string{"%v", "%+v", "%s", "%#v"} {
		if got := fmt.Sprintf(format, k); got != want {
			t.Errorf("Sprintf(%s) = %s, want %s", format, got, want)
		}
	}
	if got := k.IDs(); fmt.Sprint(got) != "[k1 k2]" {
		t.Errorf("IDs = %v", got)
	}
	if k.Current() != "k2" {
		t.Errorf("Current = %s", k.Current())
	}
}

func TestConcurrentUse(t *testing.T) {
	_, k := rings(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				ad := fmt.Sprintf("t/%d/%d", g, i)
				s, err := k.SealString(ad, ad)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := k.OpenString(s, ad); err != nil || got != ad {
					t.Errorf("OpenString = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Key files.

func skipOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestLoadOrCreate(t *testing.T) {
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "secrets")
	path := filepath.Join(dir, "sealing.keys")

	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.Current() != "k1" {
		t.Fatalf("Current = %s, want k1", k1.Current())
	}
	if m := mode(t, path); m != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", m)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Fatalf("key directory mode %04o, want 0700", m)
	}
	text, _ := os.ReadFile(path)
	if fields := strings.Fields(string(text)); len(fields) != 2 || fields[0] != "k1" {
		t.Fatalf("key file has %d fields, want \"k1 <key>\"", len(fields))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("key directory holds %d entries, want 1 (no temporary file left)", len(entries))
	}

	// A restart loads the same key.
	sealed, _ := k1.SealString("x", "t/1/f")
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.OpenString(sealed, "t/1/f"); err != nil || got != "x" {
		t.Fatalf("reloaded keyring: %q, %v", got, err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, text) {
		t.Fatal("reloading changed the key file")
	}
}

func TestLoadOrCreateConcurrentFirstStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	var (
		wg    sync.WaitGroup
		rings [8]*Keyring
	)
	for i := range rings {
		wg.Go(func() {
			k, err := LoadOrCreate(path)
			if err != nil {
				t.Error(err)
			}
			rings[i] = k
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// All share one key: what one seals, the others open.
	sealed, _ := rings[0].SealString("x", "t/1/f")
	for _, k := range rings[1:] {
		if _, err := k.OpenString(sealed, "t/1/f"); err != nil {
			t.Fatalf("processes starting together got different keys: %v", err)
		}
	}
}

func TestLoadOrCreateRefuses(t *testing.T) {
	skipOnWindows(t)
	dir := t.TempDir()
	good := "k1 " + base64.StdEncoding.EncodeToString(testKey(1)) + "\n"

	t.Run("readable by others", func(t *testing.T) {
		for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o602, 0o620} {
			path := filepath.Join(dir, fmt.Sprintf("keys-%o", perm))
			if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, perm); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreate(path)
			if err == nil || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("mode %04o: error = %v, want one saying chmod 600", perm, err)
			}
			if _, err := AddKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("AddKey, mode %04o: error = %v", perm, err)
			}
		}
	})

	t.Run("existing but empty or broken", func(t *testing.T) {
		for name, content := range map[string]string{
			"empty":     "",
			"truncated": good[:20],
		} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreate(path); err == nil {
				t.Fatalf("%s: no error", name)
			}
			if after, _ := os.ReadFile(path); string(after) != content {
				t.Fatalf("%s: the key file was replaced", name)
			}
		}
	})

	t.Run("not a regular file", func(t *testing.T) {
		if _, err := LoadOrCreate(dir); err == nil {
			t.Fatal("a directory was accepted as a key file")
		}
	})
}

func TestAddKey(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "keys")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := k1.SealString("ancien", "t/1/f")

	k2, err := AddKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k2.Current() != "k2" || fmt.Sprint(k2.IDs()) != "[k1 k2]" {
		t.Fatalf("after AddKey: %v", k2)
	}
	if got, err := k2.OpenString(old, "t/1/f"); err != nil || got != "ancien" {
		t.Fatalf("old value after AddKey: %q, %v", got, err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Fatalf("key file mode %04o after AddKey, want 0600", m)
	}
	if _, err := os.Stat(path + ".new"); !os.IsNotExist(err) {
		t.Fatalf("temporary file left behind: %v", err)
	}
	// The file, reloaded, says the same.
	reloaded, err := LoadOrCreate(path)
	if err != nil || reloaded.Current() != "k2" {
		t.Fatalf("reloaded: %v, %v", reloaded, err)
	}
	fresh, _ := k2.SealString("nouveau", "t/1/f")
	if id, _ := KeyID(fresh); id != "k2" {
		t.Fatalf("sealed with %s, want k2", id)
	}
	if _, err := reloaded.OpenString(fresh, "t/1/f"); err != nil {
		t.Fatal(err)
	}

	k3, err := AddKey(path)
	if err != nil || k3.Current() != "k3" {
		t.Fatalf("second AddKey: %v, %v", k3, err)
	}
	for _, s := range []string{old, fresh} {
		if _, err := k3.OpenString(s, "t/1/f"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAddKeyAfterRetiredKeys(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "keys")
	// k1, k3 and k4 retired; no newline at the end; a comment.
	text := "# keys\nk2 " + base64.StdEncoding.EncodeToString(testKey(2)) +
		"\nk5 " + base64.StdEncoding.EncodeToString(testKey(5))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := AddKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.Current() != "k6" || fmt.Sprint(k.IDs()) != "[k2 k5 k6]" {
		t.Fatalf("after AddKey: %v", k)
	}
	after, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(after), text+"\nk6 ") {
		t.Fatal("AddKey did not keep the file's content as it was")
	}
}

func TestAddKeyLock(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "keys")
	if _, err := LoadOrCreate(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	// An interrupted AddKey left its file behind.
	if err := os.WriteFile(path+".new", []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := AddKey(path)
	if err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("error = %v, want one saying to remove the stale file", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Fatal("key file changed")
	}
	if err := os.Remove(path + ".new"); err != nil {
		t.Fatal(err)
	}
	if k, err := AddKey(path); err != nil || k.Current() != "k2" {
		t.Fatalf("AddKey after removal: %v, %v", k, err)
	}

	// A failed AddKey (here, a missing file) releases the lock.
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := AddKey(missing); err == nil {
		t.Fatal("AddKey created a key file")
	}
	if _, err := os.Stat(missing + ".new"); !os.IsNotExist(err) {
		t.Fatalf("lock left behind: %v", err)
	}
}

func TestAddKeyConcurrent(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "keys")
	if _, err := LoadOrCreate(path); err != nil {
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won []*Keyring
	)
	for range 8 {
		wg.Go(func() {
			if k, err := AddKey(path); err == nil {
				mu.Lock()
				won = append(won, k)
				mu.Unlock()
			} else if !strings.Contains(err.Error(), "another AddKey") {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(won) == 0 {
		t.Fatal("no AddKey succeeded")
	}
	// No key handed out was lost: every winner's current key is in the
	// final file, with the same material.
	final, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(final.IDs()) != 1+len(won) {
		t.Fatalf("final keys %v, want k1 and %d more", final.IDs(), len(won))
	}
	for _, k := range won {
		s, _ := k.SealString("x", "t/1/f")
		if _, err := final.OpenString(s, "t/1/f"); err != nil {
			t.Fatalf("key %s handed out by AddKey is lost: %v", k.Current(), err)
		}
	}
}

func TestAddKeyThroughSymlink(t *testing.T) {
	skipOnWindows(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "keys")
	if _, err := LoadOrCreate(target); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	if _, err := AddKey(link); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symbolic link was replaced")
	}
	if k, err := LoadOrCreate(target); err != nil || k.Current() != "k2" {
		t.Fatalf("target: %v, %v", k, err)
	}
}

func TestParse(t *testing.T) {
	b1 := base64.StdEncoding.EncodeToString(testKey(1))
	b2 := base64.StdEncoding.EncodeToString(testKey(2))

	for name, text := range map[string]string{
		"newlines":   "k1 " + b1 + "\nk2 " + b2 + "\n",
		"crlf":       "k1 " + b1 + "\r\nk2 " + b2 + "\r\n",
		"semicolons": "k1 " + b1 + ";k2 " + b2,
		"comments":   "# old\nk1 " + b1 + "\n\n  # current\n\tk2\t" + b2 + "  \n",
	} {
		k, err := Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if k.Current() != "k2" || fmt.Sprint(k.IDs()) != "[k1 k2]" {
			t.Fatalf("%s: %v", name, k)
		}
	}

	// Parse and NewKeyring agree.
	k, _ := Parse("k1 " + b1)
	s, _ := k.SealString("x", "t/1/f")
	if _, err := mustKeyring(t, "k1", map[string][]byte{"k1": testKey(1)}).OpenString(s, "t/1/f"); err != nil {
		t.Fatal(err)
	}

	short := base64.StdEncoding.EncodeToString(testKey(1)[:16])
	for text, want := range map[string]string{
		"":                                       "no keys",
		"# only a comment\n\n":                   "no keys",
		"k1 " + b1 + "\nk2":                      "line 2: want",
		"k1 " + b1 + "\nk2 " + b2 + " x":         "line 2: want",
		"k1 " + b1 + ";" + b2:                    "line 2: want",
		"k1 " + b1 + "\n\nk1 " + b2:              "line 3: duplicate key id k1 (first on line 1)",
		"k1 " + short:                            "line 1: key k1 is 16 bytes, want 32",
		"k1 " + b1 + "\nk2 " + b2[:43]:           "line 2: key k2 is not valid standard base64",
		"k1 " + strings.TrimRight(b1, "="):       "line 1: key k1 is not valid standard base64",
		"k1 " + strings.ReplaceAll(b1, "Q", "-"): "line 1: key k1 is not valid standard base64",
		"k.1 " + b1:                              "line 1: invalid key id",
		b1 + " k1":                               "line 1: invalid key id",
		"k1 " + b1 + "\nk2 " + b1:                "line 2: key k2 is the same key as k1 (line 1)",
	} {
		_, err := Parse(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.30q...) error = %v, want %q", text, err, want)
			continue
		}
		if strings.Contains(err.Error(), b1) || strings.Contains(err.Error(), b2[:20]) {
			t.Errorf("error reveals a key: %v", err)
		}
	}

	// In a file, errors name the file and the line.
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte("k1 "+b1+"\nk2 "+short+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreate(path)
	if err == nil || !strings.Contains(err.Error(), path+": line 2: key k2 is 16 bytes") {
		t.Fatalf("error = %v", err)
	}
}
