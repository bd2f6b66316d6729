namespace UniML.Deps.Internals;

/// <summary>
/// realpath(3) in managed code: every component's symlink resolved, "." and ".." applied to the resolved
/// prefix (as the kernel does), so two names of one file give the same string. Debian links /lib -> usr/lib
/// and /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2: only resolving every
/// component makes that loader and /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 one file.
/// Components that do not exist are kept as written.
/// </summary>
static class RealPath
{
    const int MaxLinks = 40; // Linux's MAXSYMLINKS

    public static string Resolve(string path)
    {
        string start = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Environment.CurrentDirectory, path);
        var pending = new Stack<string>(start.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = new List<string>();
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            string candidate = "/" + string.Join('/', resolved.Append(part));
            string? target = null;
            try { target = new FileInfo(candidate).LinkTarget; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }
            if (++links > MaxLinks) return candidate; // a loop: the loader would fail with ELOOP too
            // The target replaces this component; an absolute one restarts from the root.
            if (target.StartsWith('/')) resolved.Clear();
            foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(t);
        }
        return "/" + string.Join('/', resolved);
    }
}
