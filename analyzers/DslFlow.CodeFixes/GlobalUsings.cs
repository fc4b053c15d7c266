// The namespaces every code fix of this assembly uses.
global using System;
global using System.Collections.Immutable;
global using System.Composition;
global using System.Linq;
global using System.Threading;
global using System.Threading.Tasks;
global using DslFlow.Generator.Parsing;
global using Microsoft.CodeAnalysis;
global using Microsoft.CodeAnalysis.CodeActions;
global using Microsoft.CodeAnalysis.CodeFixes;
global using Microsoft.CodeAnalysis.CSharp;
global using Microsoft.CodeAnalysis.CSharp.Syntax;
