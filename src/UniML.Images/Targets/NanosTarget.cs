namespace UniML.Images.Targets;
internal static class NanosTarget { public static ImageManifest Build(ImageBuildOptions o, Action<string> log) => throw new NotSupportedException("in progress"); }
