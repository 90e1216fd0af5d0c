package main

import (
	"errors"
	"flag"
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
		// The flag package's own message ("flag provided but not defined:
		// -colour") says it all; ff's prefix adds nothing for the user.
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return usageError{err.Error()}
	}
	return nil
}
