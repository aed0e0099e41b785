// Command fixturedb writes a Trivy vulnerability DB from YAML fixtures, the way Trivy's own
// integration tests do, so scans run offline against a small, known set of advisories.
//
//	go run ./fixturedb -cache-dir DIR -fixtures test/fixtures/db
//
// It writes DIR/db/trivy.db and DIR/db/metadata.json.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	fixtures "github.com/aquasecurity/bolt-fixtures"
	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
)

func main() {
	cacheDir := flag.String("cache-dir", "", "Trivy cache directory to write db/ into")
	fixtureDir := flag.String("fixtures", "", "directory of *.yaml bolt fixtures")
	flag.Parse()
	if *cacheDir == "" || *fixtureDir == "" {
		fmt.Fprintln(os.Stderr, "usage: fixturedb -cache-dir DIR -fixtures DIR")
		os.Exit(2)
	}
	if err := build(*cacheDir, *fixtureDir); err != nil {
		fmt.Fprintf(os.Stderr, "fixturedb: %v\n", err)
		os.Exit(1)
	}
}

func build(cacheDir, fixtureDir string) error {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no *.yaml fixtures in %s", fixtureDir)
	}
	sort.Strings(files)

	dbDir := filepath.Join(cacheDir, "db")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		return err
	}
	dbPath := db.Path(dbDir)
	// A fresh file each time: fixtures removed from the repo must not linger in the DB.
	if err := os.Remove(dbPath); err != nil && !os.IsNotExist(err) {
		return err
	}
	loader, err := fixtures.New(dbPath, files)
	if err != nil {
		return fmt.Errorf("open %s: %w", dbPath, err)
	}
	if err := loader.Load(); err != nil {
		loader.Close()
		return fmt.Errorf("load fixtures: %w", err)
	}
	if err := loader.Close(); err != nil {
		return err
	}

	// Far in the future, so Trivy never calls the fixture DB outdated.
	now := time.Now().UTC()
	meta := metadata.Metadata{
		Version:      db.SchemaVersion,
		NextUpdate:   now.AddDate(10, 0, 0),
		UpdatedAt:    now,
		DownloadedAt: now,
	}
	if err := metadata.NewClient(dbDir).Update(meta); err != nil {
		return fmt.Errorf("write metadata: %w", err)
	}
	fmt.Printf("wrote %s (schema %d) from %d fixture file(s)\n", dbPath, db.SchemaVersion, len(files))
	return nil
}
