package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v3"
)

var errHelp = errors.New("help requested")

// flagSet is one command's flags. Those declared with setting also read
// the variable of the same name (--admin-password reads
// BLOG_ADMIN_PASSWORD); a flag on the command line wins over its variable.
type flagSet struct {
	*flag.FlagSet
	settings []string        // the flags that read a variable, in order
	given    map[string]bool // the flags set on the command line
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the usage is ours (usageText)
	return &flagSet{FlagSet: fs, given: map[string]bool{}}
}

// setting declares a flag that also reads its variable, def when neither
// is set.
func (fs *flagSet) setting(p *string, name, def string) {
	fs.StringVar(p, name, def, "")
	fs.settings = append(fs.settings, name)
}

// variable is the environment variable a setting reads: BLOG_ and the
// flag's name in upper case, dashes as underscores, as ff names them.
func variable(flagName string) string {
	return "BLOG_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// source names where a setting's value came from, for a message about a
// bad value: the flag when it was on the command line, else the variable.
func (fs *flagSet) source(flagName string) string {
	if fs.given[flagName] {
		return "--" + flagName
	}
	return variable(flagName)
}

// origin says where a setting's value came from, for a message about a
// value the system refused (a port in use): "from --addr", "from
// BLOG_ADDR", or "the default".
func (fs *flagSet) origin(flagName string, getenv func(string) string) string {
	if fs.given[flagName] || getenv(variable(flagName)) != "" {
		return "from " + fs.source(flagName)
	}
	return "the default"
}

// parse reads the command line, then each setting it left alone from its
// variable, looked up with getenv; a variable set to "" counts as unset.
//
// ff reads variables from the process alone (os.Getenv), where run reads
// them through getenv so that tests can hand it an environment of their
// own. So they reach ff by its other source of values, a "config file"
// whose parser is ours: ff applies its values to the flags the command
// line did not set. The file is the empty os.DevNull; the values come from
// getenv.
func (fs *flagSet) parse(args []string, getenv func(string) string) error {
	fromEnv := func(_ io.Reader, set func(name, value string) error) error {
		// ff parses the command line before it reads the file: the flags
		// set by now are the ones given there.
		fs.Visit(func(f *flag.Flag) { fs.given[f.Name] = true })
		for _, name := range fs.settings {
			if v := getenv(variable(name)); v != "" {
				if err := set(name, v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := ff.Parse(fs.FlagSet, args, ff.WithConfigFile(os.DevNull), ff.WithConfigFileParser(fromEnv))
	switch {
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	case err != nil:
		// ff's prefix adds nothing for the user; the flag package's own
		// message names the flag with one dash, whatever was typed.
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return usageError{asTyped(err.Error(), args)}
	}
	return nil
}

// asTyped rewrites the flag package's messages about a flag so that they
// name it as the user typed it ("--colour", not "-colour"), and say what
// is wrong in plain words. Other messages are returned as they are.
func asTyped(msg string, args []string) string {
	for _, m := range []struct{ prefix, format string }{
		{"flag provided but not defined: -", "unknown flag %s"},
		{"flag needs an argument: -", "%s needs a value"},
	} {
		if name, ok := strings.CutPrefix(msg, m.prefix); ok {
			return fmt.Sprintf(m.format, typed(name, args))
		}
	}
	return msg
}

// typed is the argument of args that names the flag called name, as
// typed, without its value: "--colour" for --colour=red. The flag package
// takes one dash or two; "--name" when args has neither.
func typed(name string, args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		a, _, _ = strings.Cut(a, "=")
		if a == "-"+name || a == "--"+name {
			return a
		}
	}
	return "--" + name
}
