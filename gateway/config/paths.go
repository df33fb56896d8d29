package config

import "path/filepath"

// ResolvePaths makes the relative file paths of f (store, rules file, API
// socket, TLS files, password file) relative to dir, the config file's
// folder, so a config means the same files whatever the working directory:
// "rules.yaml" in /etc/safehub/safehub.yaml is /etc/safehub/rules.yaml.
// Load does this; a caller of Parse that knows where the file lives calls
// it before Validate.
func (f *File) ResolvePaths(dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for _, p := range []*string{&f.Store.Path, &f.Rules.File, &f.API.Socket,
		&f.Cloud.TLS.CA, &f.Cloud.TLS.Cert, &f.Cloud.TLS.Key, &f.Cloud.PasswordFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}
