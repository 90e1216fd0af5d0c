package litefs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRole(t *testing.T) {
	tests := []struct {
		name        string
		role        Role
		primaryText string
		wantPrimary string
	}{
		{"no mount", Standalone, "", ""},
		{"mount without .primary", Primary, "", ""},
		{"mount with .primary", Replica, "primary-host", "primary-host"},
		{"primary name padded", Replica, "  primary-host.internal\n", "primary-host.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMount(t, tt.role, tt.primaryText)
			role, primary, err := NewNode(m.db).Role()
			if err != nil {
				t.Fatal(err)
			}
			if role != tt.role || primary != tt.wantPrimary {
				t.Errorf("Role() = %q, %q; want %q, %q", role, primary, tt.role, tt.wantPrimary)
			}
		})
	}
}

func TestRoleIsReadAfresh(t *testing.T) {
	m := newMount(t, Primary, "")
	n := NewNode(m.db)
	steps := []struct {
		role    Role
		primary string
	}{
		{Primary, ""},
		{Replica, "a"},
		{Replica, "b"},
		{Primary, ""},
		{Standalone, ""},
	}
	for _, s := range steps {
		m.setRole(s.role, s.primary)
		role, primary, err := n.Role()
		if err != nil {
			t.Fatal(err)
		}
		if role != s.role || primary != s.primary {
			t.Errorf("after becoming %s %q: Role() = %q, %q", s.role, s.primary, role, primary)
		}
	}
}

func TestStatus(t *testing.T) {
	m := newMount(t, Replica, "p1")
	m.setPos(0x2a)
	n := NewNode(m.db)
	s, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Status{Role: Replica, Primary: "p1", TXID: "000000000000002a"}); s != want {
		t.Errorf("replica: Status() = %+v, want %+v", s, want)
	}

	m.setRole(Standalone, "")
	if s, err = n.Status(); err != nil {
		t.Fatal(err)
	}
	if want := (Status{Role: Standalone}); s != want {
		t.Errorf("standalone: Status() = %+v, want %+v", s, want)
	}
}

// TestRoleReplicaWithoutPrimary: a replica that lost its primary has no
// .primary, but LiteFS shows it the database read-only.
func TestRoleReplicaWithoutPrimary(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "blog.db")
	if err := os.WriteFile(filepath.Join(dir, ".lag"), []byte("0"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	n := NewNode(db)
	if role, primary, err := n.Role(); err != nil || role != Replica || primary != "" {
		t.Fatalf("read-only database without .primary: %q %q %v; want a replica without a primary", role, primary, err)
	}
	if err := os.Chmod(db, 0o666); err != nil {
		t.Fatal(err)
	}
	if role, _, err := n.Role(); err != nil || role != Primary {
		t.Fatalf("writable database without .primary: %q %v; want primary", role, err)
	}
}
