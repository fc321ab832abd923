package editorbench

import (
	"os"
	"regexp"
	"testing"
)

// TestSameEditorQuery: the bench measures the query whose statement count
// resolvers/editor_test.go asserts.
func TestSameEditorQuery(t *testing.T) {
	src, err := os.ReadFile("../../../../resolvers/editor_test.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)const editorQuery = `([^`]*)`").FindSubmatch(src)
	if m == nil {
		t.Fatal("no editorQuery constant in resolvers/editor_test.go")
	}
	if string(m[1]) != EditorQuery {
		t.Fatalf("EditorQuery differs from resolvers/editor_test.go's editorQuery:\n%s", m[1])
	}
}
