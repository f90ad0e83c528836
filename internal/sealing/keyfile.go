package sealing

// The key file, and the same format given in an environment variable.
//
// Format: text, one key per line, "<id> <key>", the key in standard base64
// with padding (44 characters for 32 bytes). The last key line names the
// current key; the lines before it are older keys, kept to open older
// values. Blank lines and lines starting with '#' are ignored, so an
// operator may note when and why a key was added. For example:
//
//	# k2 added 2026-03-01, rotation after staff change
//	k1 <44 characters of base64>
//	k2 <44 characters of base64>
//
// (Make keys with AddKey or LoadOrCreate, or from 32 bytes of a
// cryptographic random source; never from a password or an example.)
//
// Whoever reads this file reads every sealed field: it must be readable by
// the service's user only, and kept out of the database's backups (a backup
// holding both the data and its keys protects nothing). Conversely, losing
// it loses every sealed field: it needs a backup of its own.

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// maxKeyFileSize bounds what is read from a key file: a few hundred keys at
// most, far more than rotations will ever produce.
const maxKeyFileSize = 1 << 20

// LoadOrCreate returns the keyring from the key file at path, creating it
// with a fresh random key "k1" (mode 0600, in a directory created 0700 if
// missing) on first start.
//
// Only a missing file is created. A file that exists but is empty,
// unreadable or malformed is an error, never replaced: replacing it would
// make every value sealed with the lost keys unreadable for good.
//
// The file is refused when group or others have any permission on it
// (mode & 0077 != 0), with an error saying to chmod 600 it. This check is
// skipped on Windows, whose permissions are ACLs that Go's mode does not
// reflect.
//
// The file is created complete or not at all (written to a temporary file,
// synced, then hard-linked into place, which fails rather than overwrite),
// so a crash cannot leave a half-written key file, and two processes
// starting together end up sharing one key instead of each sealing with its
// own. It must therefore live on a filesystem with hard links.
//
// Beware of a wrong path, or a volume not mounted: a fresh key is then
// created, and every value sealed before will fail to open with
// ErrUnknownKey or ErrAuthentication. Deployments that provision the file
// themselves should prefer Parse, or check that the file exists first.
func LoadOrCreate(path string) (*Keyring, error) {
	k, err := load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := create(path); err != nil {
		return nil, err
	}
	// Read back what is now on disk, ours or a concurrent creator's.
	return load(path)
}

// create writes a new key file holding one fresh key, unless one appears
// at path meanwhile.
func create(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sealing: creating key directory: %w", err)
	}
	line := newKeyLine("k1")
	defer clear(line)
	// os.CreateTemp creates the file with mode 0600, never looser.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("sealing: creating key file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the link, only removes the extra name
	if err := writeSync(f, line); err != nil {
		return fmt.Errorf("sealing: writing key file: %w", err)
	}
	// Link, unlike rename, never replaces an existing file: if another
	// process created the key file since we looked, keep theirs.
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sealing: creating key file: %w", err)
	}
	return syncDir(dir)
}

// AddKey appends a fresh key to the key file at path and returns the new
// keyring, in which it is current: the first step of a rotation (see the
// package documentation). The new key's id is "k<n+1>", n being the highest
// number among the ids of the form "k<n>" (not the number of keys), so
// that an id is not reused after older keys were removed from the file.
//
// The file is replaced atomically: the new content is written to
// "<path>.new" (mode 0600, same directory), synced, then renamed over the
// file, so that a crash leaves either the old file or the new one, never a
// mix. "<path>.new" is created exclusively and before the file is read, so
// it also serves as a lock: two AddKey at once cannot both read the old
// file and lose one of the new keys; the second one fails. If AddKey is
// interrupted, "<path>.new" stays behind and the next AddKey refuses to
// run; removing it by hand is safe, as the key it holds was never used.
//
// If path is a symbolic link, the file it points to is updated.
//
// Processes that loaded the keyring before keep sealing with the previous
// key, and cannot open values sealed with the new one, until they reload
// it.
func AddKey(path string) (*Keyring, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("sealing: key file: %w", err)
	}
	lock := target + ".new"
	f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sealing: %s exists: another AddKey is running, or one was interrupted; if none is running, remove it and try again", lock)
	}
	if err != nil {
		return nil, fmt.Errorf("sealing: adding key: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(lock)
		}
	}()

	old, err := readKeyFile(target)
	if err != nil {
		return nil, err
	}
	defer clear(old)
	k, err := parseKeys(string(old), false)
	if err != nil {
		return nil, fmt.Errorf("sealing: key file %s: %w", target, err)
	}
	id := nextKeyID(k)

	content := make([]byte, 0, len(old)+128)
	content = append(content, old...)
	if len(content) > 0 && content[len(content)-1] != '\n' {
		content = append(content, '\n')
	}
	line := newKeyLine(id)
	content = append(content, line...)
	clear(line)
	defer clear(content)

	if err := writeSync(f, content); err != nil {
		return nil, fmt.Errorf("sealing: writing %s: %w", lock, err)
	}
	if err := os.Rename(lock, target); err != nil {
		return nil, fmt.Errorf("sealing: replacing key file: %w", err)
	}
	renamed = true
	if err := syncDir(filepath.Dir(target)); err != nil {
		return nil, err
	}

	k, err = load(target)
	if err != nil {
		return nil, err
	}
	if k.Current() != id { // cannot happen, unless the file was edited meanwhile
		return nil, fmt.Errorf("sealing: key file %s: current key is %s after adding %s", target, k.Current(), id)
	}
	return k, nil
}

// nextKeyID returns "k<n+1>" for the highest n among the ids "k<n>" of k.
func nextKeyID(k *Keyring) string {
	n := 0
	for id := range k.aeads {
		if digits, ok := strings.CutPrefix(id, "k"); ok {
			if i, err := strconv.Atoi(digits); err == nil && i > n {
				n = i
			}
		}
	}
	for {
		n++
		id := "k" + strconv.Itoa(n)
		if _, taken := k.aeads[id]; !taken { // "k07" and "k7" would differ
			return id
		}
	}
}

// Parse returns the keyring described by text, in the key file's format,
// for deployments that inject secrets through the environment: lines may
// also be separated by ';', since a newline is awkward in a variable. An
// error names the line (counting ';' as a line break) and what is wrong with
// it, but never quotes it, as it may hold a key.
func Parse(text string) (*Keyring, error) {
	k, err := parseKeys(text, true)
	if err != nil {
		return nil, fmt.Errorf("sealing: parsing keys: %w", err)
	}
	return k, nil
}

// parseKeys parses the key file format; semicolons separate lines too when
// semicolons is true.
func parseKeys(text string, semicolons bool) (*Keyring, error) {
	if semicolons {
		text = strings.ReplaceAll(text, ";", "\n")
	}
	type entry struct {
		line int
		key  []byte
	}
	var (
		current string
		entries = map[string]entry{}
		keys    = map[string][]byte{}
	)
	defer func() {
		for _, key := range keys {
			clear(key)
		}
	}()
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line) // also a '\r' left by CRLF
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"<id> <base64 key>\"", n)
		}
		id, encoded := fields[0], fields[1]
		if !validKeyID(id) {
			return nil, fmt.Errorf("line %d: invalid key id: want 1 to %d letters, digits, '-' or '_'", n, maxKeyIDLen)
		}
		if prev, dup := entries[id]; dup {
			return nil, fmt.Errorf("line %d: duplicate key id %s (first on line %d)", n, id, prev.line)
		}
		key, err := base64.StdEncoding.Strict().DecodeString(encoded)
		if err != nil {
			return nil, fmt.Errorf("line %d: key %s is not valid standard base64", n, id)
		}
		keys[id] = key
		if len(key) != KeySize {
			return nil, fmt.Errorf("line %d: key %s is %d bytes, want %d", n, id, len(key), KeySize)
		}
		// The same key under two ids is a copy-paste slip that would make a
		// rotation rotate nothing.
		for otherID, other := range entries {
			if subtle.ConstantTimeCompare(key, other.key) == 1 {
				return nil, fmt.Errorf("line %d: key %s is the same key as %s (line %d)", n, id, otherID, other.line)
			}
		}
		entries[id] = entry{line: n, key: key}
		current = id
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys")
	}
	return NewKeyring(current, keys)
}

// load reads and parses the key file at path.
func load(path string) (*Keyring, error) {
	text, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	defer clear(text)
	k, err := parseKeys(string(text), false)
	if err != nil {
		return nil, fmt.Errorf("sealing: key file %s: %w", path, err)
	}
	return k, nil
}

// readKeyFile returns the content of the key file at path after checking
// that it is a regular file that only its owner may access. The checks are
// made on the opened file, so the file checked is the file read.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sealing: key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("sealing: key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("sealing: key file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("sealing: key file %s is accessible by group or others (mode %04o); it holds the keys to all sealed data: run chmod 600 %s", path, perm, path)
	}
	text, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("sealing: reading key file: %w", err)
	}
	if len(text) > maxKeyFileSize {
		clear(text)
		return nil, fmt.Errorf("sealing: key file %s is larger than %d bytes", path, maxKeyFileSize)
	}
	return text, nil
}

// newKeyLine returns "<id> <base64 of 32 random bytes>\n", as a byte slice
// the caller can clear once written.
func newKeyLine(id string) []byte {
	key := make([]byte, KeySize)
	defer clear(key)
	rand.Read(key) // never fails since Go 1.24: it crashes the program instead
	line := make([]byte, 0, len(id)+1+base64.StdEncoding.EncodedLen(KeySize)+1)
	line = append(line, id...)
	line = append(line, ' ')
	line = base64.StdEncoding.AppendEncode(line, key)
	return append(line, '\n')
}

// writeSync writes data to f, flushes it to stable storage and closes f:
// the file must be complete on disk before it is given its final name.
func writeSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir flushes a directory, so that a file just linked or renamed into
// it survives a crash under that name. Windows cannot sync a directory, and
// does not need to.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sealing: syncing key directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sealing: syncing key directory: %w", err)
	}
	return nil
}
