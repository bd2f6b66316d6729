namespace UniML.Guest;

/// <summary>A step of the guest's init duties failed; the message names the step and errno.</summary>
public sealed class GuestInitException(string message) : Exception(message);
