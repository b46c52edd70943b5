// An independent check of leadreview's audit log with Go's golang.org/x/mod/sumdb/note
// and sumdb/tlog (Debian's golang-golang-x-mod-dev), built in GOPATH mode by
// tests/test_audit_go_interop.py. Written for this project; it shares no code with ours.
//
//	leadreview_verify tiles VKEY DIR
//	    open DIR/checkpoint with VKEY and recompute its root hash from DIR's hash tiles
//	leadreview_verify inclusion VKEY CHECKPOINT PROOF DIR
//	    check an inclusion proof (ours) with tlog.CheckRecord, and that tlog.ProveRecord
//	    over DIR's tiles produces the same proof
//	leadreview_verify consistency VKEY OLD NEW PROOF DIR
//	    the same for a consistency proof (tlog.CheckTree, tlog.ProveTree)
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	tree   tlog.Tree
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-verify: "+format+"\n", args...)
	os.Exit(1)
}

func openCheckpoint(vkey, path string) checkpoint {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("%s: %v", path, err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("%s: not a checkpoint", path)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("%s: size: %v", path, err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("%s: bad root hash", path)
	}
	var h tlog.Hash
	copy(h[:], root)
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: h}}
}

// tileDir reads C2SP tlog-tiles paths: Go's Tile.Path is tile/<H>/<L>/<N>, C2SP's is
// tile/<L>/<N> (the height is always 8).
type tileDir struct{ dir string }

func (t tileDir) Height() int { return 8 }

func (t tileDir) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		path := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		data, err := os.ReadFile(filepath.Join(t.dir, filepath.FromSlash(path)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t tileDir) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func hashReader(cp checkpoint, dir string) tlog.HashReader {
	return tlog.TileHashReader(cp.tree, tileDir{dir})
}

func readProof(path string) (map[string]string, []tlog.Hash) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	fields := map[string]string{}
	var hashes []tlog.Hash
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if i == 0 {
			fields["kind"] = line
			continue
		}
		if name, value, ok := strings.Cut(line, " "); ok {
			fields[name] = value
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != tlog.HashSize {
			fail("%s: bad hash line", path)
		}
		var h tlog.Hash
		copy(h[:], raw)
		hashes = append(hashes, h)
	}
	return fields, hashes
}

func number(fields map[string]string, name string) int64 {
	n, err := strconv.ParseInt(fields[name], 10, 64)
	if err != nil {
		fail("proof %s: %v", name, err)
	}
	return n
}

func sameProof(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i][:], b[i][:]) {
			return false
		}
	}
	return true
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: tiles|inclusion|consistency ...")
	}
	switch os.Args[1] {
	case "tiles":
		cp := openCheckpoint(os.Args[2], filepath.Join(os.Args[3], "checkpoint"))
		root, err := tlog.TreeHash(cp.tree.N, hashReader(cp, os.Args[3]))
		if err != nil {
			fail("tree hash: %v", err)
		}
		if root != cp.tree.Hash {
			fail("tree hash %v is not the checkpoint's %v", root, cp.tree.Hash)
		}
		fmt.Printf("ok %s %d %s\n", cp.origin, cp.tree.N, root)
	case "inclusion":
		cp := openCheckpoint(os.Args[2], os.Args[3])
		fields, proof := readProof(os.Args[4])
		entry, err := base64.StdEncoding.DecodeString(fields["entry"])
		if err != nil {
			fail("entry: %v", err)
		}
		size, index := number(fields, "size"), number(fields, "index")
		if size != cp.tree.N || fields["origin"] != cp.origin {
			fail("proof is for another tree")
		}
		if err := tlog.CheckRecord(proof, size, cp.tree.Hash, index, tlog.RecordHash(entry)); err != nil {
			fail("CheckRecord: %v", err)
		}
		theirs, err := tlog.ProveRecord(size, index, hashReader(cp, os.Args[5]))
		if err != nil || !sameProof(theirs, proof) {
			fail("ProveRecord over the tiles gives another proof (%v)", err)
		}
		fmt.Printf("ok inclusion %d %d\n", index, size)
	case "consistency":
		old := openCheckpoint(os.Args[2], os.Args[3])
		cp := openCheckpoint(os.Args[2], os.Args[4])
		fields, proof := readProof(os.Args[5])
		if number(fields, "old") != old.tree.N || number(fields, "new") != cp.tree.N {
			fail("proof is for other trees")
		}
		if err := tlog.CheckTree(proof, cp.tree.N, cp.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
			fail("CheckTree: %v", err)
		}
		theirs, err := tlog.ProveTree(cp.tree.N, old.tree.N, hashReader(cp, os.Args[6]))
		if err != nil || !sameProof(theirs, proof) {
			fail("ProveTree over the tiles gives another proof (%v)", err)
		}
		fmt.Printf("ok consistency %d %d\n", old.tree.N, cp.tree.N)
	default:
		fail("unknown command %q", os.Args[1])
	}
}
