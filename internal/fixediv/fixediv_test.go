package fixediv

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyTheTestRunnerImportsIt: the fixed IV is for `xcetl test` only.
// Any other package importing this one (and so able to make encryption
// deterministic) fails here.
func TestOnlyTheTestRunnerImportsIt(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/xcetl/xcetl/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"github.com/xcetl/xcetl/internal/pipetest": true, // sets it
		"github.com/xcetl/xcetl/transform/sm":      true, // reads it
	}
	for _, line := range strings.Split(string(out), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if strings.Contains(" "+imports+" ", " github.com/xcetl/xcetl/internal/fixediv ") && !allowed[pkg] {
			t.Errorf("%s imports internal/fixediv: only internal/pipetest may make SM4 encryption deterministic", pkg)
		}
	}
}

func TestFrom(t *testing.T) {
	if From(t.Context()) != nil {
		t.Fatal("a plain context has a fixed IV")
	}
	iv := []byte("0123456789abcdef")
	if got := From(With(t.Context(), iv)); string(got) != string(iv) {
		t.Fatalf("From = %q", got)
	}
}
