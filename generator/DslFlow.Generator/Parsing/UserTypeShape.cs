using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// What a member-wise serializer saves of a user record, class or struct, and how it creates one on restore.
/// </summary>
/// <remarks>
/// Saved: public instance properties with a public getter and public instance fields, base type first, each type's in
/// declaration order (that order is the format). Restored through the accessible constructor whose parameters match
/// the most saved members (by name, ignoring case, and type — a positional record's primary constructor), then an
/// object initializer for the rest, which must be settable (<c>set</c> or <c>init</c>). A property without a setter
/// and without a constructor parameter is left out when it is computed (no backing field; in another assembly the
/// generator cannot tell, and leaves it out) and is an error when it is a get-only auto-property.
/// </remarks>
internal sealed class UserTypeShape
{
    private UserTypeShape()
    {
    }

    public List<UserMember> Members { get; } = [];

    /// <summary>Indexes into <see cref="Members"/> of the constructor's arguments, in order.</summary>
    public List<int> ConstructorArguments { get; } = [];

    public SerializationProblem? Problem { get; private set; }

    public static UserTypeShape Read(INamedTypeSymbol type, Compilation compilation, INamedTypeSymbol host)
    {
        var shape = new UserTypeShape();
        string display = TypeNames.Display(type);
        List<UserMember> candidates = Candidates(type, compilation, host);
        if (candidates.Exists(m => !SyntaxFacts.IsValidIdentifier(m.Name)))
        {
            shape.Problem = new SerializationProblem("", TypeNames.Qualified(type), null, display); // a name being typed: the compiler reports it
            return shape;
        }
        if (candidates.Find(m => UserTypeRules.IsObsoleteError(m.Symbol)) is { } obsolete)
        {
            shape.Problem = new SerializationProblem("." + obsolete.Name, TypeNames.Qualified(obsolete.Type), "is [Obsolete] as an error, so the generated serializer cannot use it; annotate the type with [Serializer(typeof(MySerializer))]", display) { NeedsAdvice = false };
            return shape;
        }
        List<int>? arguments = ChooseConstructor(type, candidates, compilation, host, out IMethodSymbol? constructor);
        if (arguments is null)
        {
            shape.Problem = new SerializationProblem("", TypeNames.Qualified(type), "has no constructor the generated serializer can call; add a public parameterless constructor, or one whose parameters match its public properties by name and type, or annotate it with [Serializer(typeof(MySerializer))]", display) { NeedsAdvice = false };
            return shape;
        }
        bool setsRequired = constructor!.GetAttributes().Any(a => a.AttributeClass?.MetadataName == "SetsRequiredMembersAttribute");
        if (!setsRequired && UnsavedRequiredMember(type, candidates) is { } required)
        {
            // The generated object creation must set every required member, and it only sets the members it saves.
            shape.Problem = new SerializationProblem("." + required.Name, TypeNames.Qualified(required is IPropertySymbol rp ? rp.Type : ((IFieldSymbol)required).Type),
                "is required but not public, so the generated serializer cannot set it; make it public, or annotate the type with [Serializer(typeof(MySerializer))]", display) { NeedsAdvice = false };
            return shape;
        }
        var position = new Dictionary<int, int>();
        for (int i = 0; i < candidates.Count; i++)
        {
            UserMember member = candidates[i];
            bool inConstructor = arguments.Contains(i);
            member.InInitializer = !inConstructor || (member.IsRequired && !setsRequired && member.IsSettable);
            if (member.InInitializer && !member.IsSettable)
            {
                if (member.MayBeComputed)
                {
                    continue;
                }
                string parameter = char.ToLowerInvariant(member.Name[0]) + member.Name.Substring(1);
                shape.Problem = new SerializationProblem("." + member.Name, TypeNames.Qualified(member.Type), $"cannot be restored: it has no setter the generated serializer can use and no constructor parameter; add 'init', or a constructor parameter named '{parameter}'", display) { NeedsAdvice = false };
                return shape;
            }
            position[i] = shape.Members.Count;
            shape.Members.Add(member);
        }
        shape.ConstructorArguments.AddRange(arguments.Select(i => position[i]));
        if (shape.Members.Count == 0 && HasHiddenState(type))
        {
            shape.Problem = new SerializationProblem("", TypeNames.Qualified(type), "has no public properties or fields to save, so its state would be lost; expose it as public properties", display);
        }
        return shape;
    }

    /// <summary>A <c>required</c> member of the type or its bases that is not among the saved candidates, if any.</summary>
    private static ISymbol? UnsavedRequiredMember(INamedTypeSymbol type, List<UserMember> candidates)
    {
        var saved = new HashSet<string>(candidates.Select(c => c.Name), StringComparer.Ordinal);
        for (INamedTypeSymbol? t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                bool required = member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true };
                if (required && !saved.Contains(member.Name))
                {
                    return member;
                }
            }
        }
        return null;
    }

    /// <summary>The saved members' candidates: base type first, declaration order; a redeclared name keeps its first place.</summary>
    private static List<UserMember> Candidates(INamedTypeSymbol type, Compilation compilation, INamedTypeSymbol host)
    {
        var chain = new List<INamedTypeSymbol>();
        for (INamedTypeSymbol? t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
        {
            chain.Insert(0, t);
        }
        var members = new List<UserMember>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (INamedTypeSymbol t in chain)
        {
            foreach (ISymbol symbol in InDeclarationOrder(t))
            {
                UserMember? member = symbol switch
                {
                    IPropertySymbol p when IsSaved(p) => new UserMember(p, p.Type, p.SetMethod is { } set && IsUsable(set, compilation, host), p.IsRequired, IsComputed(p)),
                    IFieldSymbol f when IsSaved(f) => new UserMember(f, f.Type, !f.IsReadOnly, f.IsRequired, mayBeComputed: false),
                    _ => null,
                };
                if (member is null)
                {
                    continue;
                }
                if (byName.TryGetValue(member.Name, out int index))
                {
                    members[index] = member;
                }
                else
                {
                    byName.Add(member.Name, members.Count);
                    members.Add(member);
                }
            }
        }
        return members;
    }

    private static bool IsSaved(IPropertySymbol p) =>
        !p.IsStatic && !p.IsIndexer && !p.ReturnsByRef && !p.ReturnsByRefReadonly
        && p.DeclaredAccessibility == Accessibility.Public && p.GetMethod is { DeclaredAccessibility: Accessibility.Public };

    private static bool IsSaved(IFieldSymbol f) =>
        !f.IsStatic && !f.IsConst && !f.IsImplicitlyDeclared && f.DeclaredAccessibility == Accessibility.Public;

    /// <summary>A property with no backing field of its own (or, in another assembly, one the generator cannot see into).</summary>
    private static bool IsComputed(IPropertySymbol p)
    {
        IPropertySymbol definition = p.OriginalDefinition;
        if (!definition.Locations.Any(l => l.IsInSource))
        {
            return true;
        }
        return !definition.ContainingType.GetMembers().OfType<IFieldSymbol>()
            .Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, definition));
    }

    /// <summary>Source order (partial declarations by file path); metadata order for other assemblies' types.</summary>
    private static IEnumerable<ISymbol> InDeclarationOrder(INamedTypeSymbol type) =>
        type.GetMembers()
            .Select((member, index) => (Member: member, Index: index, Location: member.Locations.FirstOrDefault(l => l.IsInSource)))
            .OrderBy(m => m.Location is null ? 1 : 0)
            .ThenBy(m => m.Location?.SourceTree?.FilePath ?? "", StringComparer.Ordinal)
            .ThenBy(m => m.Location?.SourceSpan.Start ?? m.Index)
            .Select(m => m.Member);

    /// <summary>
    /// The usable constructor whose parameters all match distinct candidates and that takes the most of them (the first
    /// such in declaration order); null when none fits.
    /// </summary>
    private static List<int>? ChooseConstructor(INamedTypeSymbol type, List<UserMember> candidates, Compilation compilation, INamedTypeSymbol host, out IMethodSymbol? chosen)
    {
        chosen = null;
        List<int>? best = null;
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            if (!IsUsable(constructor, compilation, host) || constructor.IsVararg || UserTypeRules.IsObsoleteError(constructor)
                || constructor.Parameters.Any(p => p.RefKind is not (RefKind.None or RefKind.In)))
            {
                continue;
            }
            List<int>? arguments = Match(constructor, candidates, compilation);
            if (arguments is not null && (best is null || arguments.Count > best.Count))
            {
                best = arguments;
                chosen = constructor;
            }
        }
        return best;
    }

    private static List<int>? Match(IMethodSymbol constructor, List<UserMember> candidates, Compilation compilation)
    {
        var arguments = new List<int>();
        foreach (IParameterSymbol parameter in constructor.Parameters)
        {
            int match = -1;
            for (int i = 0; i < candidates.Count; i++)
            {
                UserMember candidate = candidates[i];
                if (arguments.Contains(i)
                    || !string.Equals(candidate.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)
                    || !compilation.ClassifyCommonConversion(candidate.Type, parameter.Type).IsIdentity)
                {
                    continue;
                }
                if (match < 0 || candidate.Name == parameter.Name)
                {
                    match = i; // an exact-case match wins over one that differs in case only
                }
            }
            if (match < 0)
            {
                return null;
            }
            arguments.Add(match);
        }
        return arguments;
    }

    /// <summary>
    /// Callable from a class nested in the pipeline class. Protected members are not: <c>new T()</c> and object
    /// initializers cannot use them even from a derived class.
    /// </summary>
    private static bool IsUsable(ISymbol member, Compilation compilation, INamedTypeSymbol host) =>
        member.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal
        && compilation.IsSymbolAccessibleWithin(member, host)
        && !UserTypeRules.IsObsoleteError(member);

    /// <summary>Instance fields (backing fields included) in source, or any type from another assembly (whose private fields are not visible).</summary>
    private static bool HasHiddenState(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
        {
            if (!t.Locations.Any(l => l.IsInSource) || t.GetMembers().OfType<IFieldSymbol>().Any(f => !f.IsStatic && !f.IsConst))
            {
                return true;
            }
        }
        return false;
    }

}

/// <summary>A property or field a member-wise serializer may save.</summary>
internal sealed class UserMember(ISymbol symbol, ITypeSymbol type, bool isSettable, bool isRequired, bool mayBeComputed)
{
    public string Name => Symbol.Name;

    public ISymbol Symbol { get; } = symbol;

    public ITypeSymbol Type { get; } = type;

    /// <summary>An object initializer can set it (a usable <c>set</c> or <c>init</c>, or a writable field).</summary>
    public bool IsSettable { get; } = isSettable;

    public bool IsRequired { get; } = isRequired;

    /// <summary>True when, without a setter or constructor parameter, it is left out rather than reported.</summary>
    public bool MayBeComputed { get; } = mayBeComputed;

    public bool InInitializer { get; set; }
}
