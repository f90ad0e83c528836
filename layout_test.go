package communs_test

import (
	"bufio"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The layout's rules, checked on the imports of the hand-written and the
// generated code (test files aside) as the compiler would see them. The
// test reads every Go file, so that a change to any of them re-runs it.

const module = "communs"

// forbiddenImports returns the packages (and those under them) that the
// package pkg may not import:
//
//   - the core (the root package, ent and its schema, internal, policies)
//     knows neither the API (graph) nor the modules: cmd/communs wires them;
//   - a module knows the core, the module contract (modules) and the
//     modules it builds on (the user record's stays are in the
//     directory's establishments), never the API;
//   - graph imports the services it serves, the modules' too: their
//     resolvers are generated in graph/ beside the core's, over the
//     services of modules/<name>;
//   - nothing imports the command.
func forbiddenImports(pkg string) []string {
	switch {
	case under(pkg, "communs/cmd"):
		return nil
	case under(pkg, "communs/graph"):
		return []string{"communs/cmd"}
	case under(pkg, "communs/modules"):
		return []string{"communs/graph", "communs/cmd"}
	}
	return []string{"communs/graph", "communs/modules", "communs/cmd"}
}

// under tells whether the import path pkg is dir or under it.
func under(pkg, dir string) bool {
	dir = strings.TrimSuffix(dir, "/")
	return pkg == dir || strings.HasPrefix(pkg, dir+"/")
}

func TestLayerRules(t *testing.T) {
	for pkg, imports := range goPackages(t) {
		for _, imp := range imports {
			for _, f := range forbiddenImports(pkg.path) {
				if under(imp.path, f) {
					t.Errorf("%s: %s imports %s, which the layout forbids", imp.file, pkg.path, imp.path)
				}
			}
		}
	}
}

// TestDeveloperMapListsEveryPackage keeps the map of README.md's
// "Development" section true: every hand-written package is on it, and
// everything on it exists.
func TestDeveloperMapListsEveryPackage(t *testing.T) {
	listed := developerMap(t)
	for pkg := range goPackages(t) {
		if pkg.generated {
			continue
		}
		dir := strings.TrimPrefix(strings.TrimPrefix(pkg.path, module), "/")
		if dir != "" && !slices.Contains(listed, dir+"/") {
			t.Errorf("package %s is missing from the map in README.md (## Development)", dir)
		}
	}
	for _, entry := range listed {
		if _, err := os.Stat(entry); err != nil {
			t.Errorf("the map in README.md (## Development) lists %s, which does not exist", entry)
		}
	}
}

// goPackage is a package of the module: its import path and whether all
// its files are generated.
type goPackage struct {
	path      string
	generated bool
}

// goImport is an import of a package, and the file that makes it.
type goImport struct{ path, file string }

// goPackages parses the imports of every Go file of the module, test files
// and files built only by go:generate aside, by package.
func goPackages(t *testing.T) map[goPackage][]goImport {
	t.Helper()
	type found struct {
		imports   []goImport
		generated bool
	}
	byDir := map[string]*found{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go"):
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		generated, ignored := false, false
		for _, c := range f.Comments {
			if c.Pos() > f.Package {
				break
			}
			text := c.Text()
			generated = generated || strings.HasPrefix(text, "Code generated ") && strings.Contains(text, "DO NOT EDIT")
			ignored = ignored || strings.Contains(text, "go:build ignore")
		}
		if ignored {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		if byDir[dir] == nil {
			byDir[dir] = &found{generated: true}
		}
		byDir[dir].generated = byDir[dir].generated && generated
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			byDir[dir].imports = append(byDir[dir].imports, goImport{path, p})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[goPackage][]goImport{}
	for dir, f := range byDir {
		pkgs[goPackage{path: path.Join(module, dir), generated: f.generated}] = f.imports
	}
	return pkgs
}

// developerMap returns the directories the map of README.md's
// "Development" section lists, as paths from the root ending in "/": a
// line "  auth/" under "internal/" is internal/auth/.
func developerMap(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		entries  []string
		section  bool
		inMap    bool
		parents  []string // the directory open at each indentation
		prefixes []int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			section = line == "## Development"
			continue
		case !section:
			continue
		case strings.HasPrefix(line, "```"):
			if inMap {
				return entries
			}
			inMap = true
			continue
		case !inMap:
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if !strings.HasSuffix(name, "/") {
			continue // a file, or the continuation of a description
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		for len(prefixes) > 0 && prefixes[len(prefixes)-1] >= indent {
			prefixes, parents = prefixes[:len(prefixes)-1], parents[:len(parents)-1]
		}
		if len(parents) > 0 {
			name = parents[len(parents)-1] + name
		}
		entries = append(entries, name)
		prefixes, parents = append(prefixes, indent), append(parents, name)
	}
	t.Fatal(`README.md has no map: a code block in "## Development"`)
	return nil
}
