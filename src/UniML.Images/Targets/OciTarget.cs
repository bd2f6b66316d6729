namespace UniML.Images.Targets;
internal static class OciTarget { public static ImageManifest Build(ImageBuildOptions o, Action<string> log) => throw new NotSupportedException("in progress"); }
